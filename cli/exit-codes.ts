/** Exit codes of the `swarmdrop` command, for scripts (documented in the README), and the error that means code 2. */
export const EXIT = {
  ok: 0,
  /** The transfer failed: no usable content, revoked, expired, a storage error. */
  failed: 1,
  /** Bad arguments or a malformed link. */
  usage: 2,
  /** The server could not be reached. */
  serverUnreachable: 3,
  /** Not enough space: --max-bytes or the disk. */
  noSpace: 4,
  /** The link's secret (or the password) does not open the content. */
  wrongSecret: 5,
  /** Stopped by SIGINT. */
  interrupted: 130,
} as const

/** A mistake in what the user asked for (exit code 2), not a failure of the transfer. */
export class UsageError extends Error {
  override name = 'UsageError'
}
