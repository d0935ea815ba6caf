/**
 * Password-protected links: the link secret is derived from the password and
 * a random salt (carried in the link) with scrypt, so the link alone opens
 * nothing. Every guess costs the guesser the same work; guesses stay in the
 * browser (a wrong one shows when the file list fails to decrypt).
 *
 * The link names which parameters made its secret (content/link.ts), and a
 * version's parameters never change: raising the cost is a new version, and
 * links already sent keep opening with theirs.
 */
import { SECRET_BYTES } from './keys.js'
import { randomBytes } from '../util/bytes.js'
import { CURRENT_PASSWORD_KDF, type PasswordKdf, SALT_BYTES } from '../content/link.js'

/** Memory per guess is 128 · r · N bytes. */
export const SCRYPT_PARAMS: Record<PasswordKdf, { readonly N: number; readonly r: number; readonly p: number }> = {
  /** `.p.` links: 64 MiB per guess, below OWASP's minimum; only opened, never made. */
  1: { N: 2 ** 16, r: 8, p: 1 },
  /** `.p2.` links: OWASP's minimum for scrypt; 128 MiB, about 1 s per guess in Node and in Chromium on a 2-core machine. */
  2: { N: 2 ** 17, r: 8, p: 1 },
}

/**
 * noble's scrypt yields to the event loop (scheduler.yield in Chromium) after
 * this many ms of work, so the page handles input while it derives; Chromium
 * still paints only about every 100 ms meanwhile (measured).
 */
const ASYNC_TICK_MS = 10

export function newSalt(): Uint8Array {
  return randomBytes(SALT_BYTES)
}

export async function secretFromPassword(password: string, salt: Uint8Array, kdf: PasswordKdf = CURRENT_PASSWORD_KDF): Promise<Uint8Array> {
  if (password.length === 0) throw new RangeError('the password is empty')
  // Loaded on first use: only password links need it.
  const { scryptAsync } = await import('@noble/hashes/scrypt.js')
  return scryptAsync(new TextEncoder().encode(password.normalize('NFC')), salt, {
    ...SCRYPT_PARAMS[kdf],
    dkLen: SECRET_BYTES,
    asyncTick: ASYNC_TICK_MS,
  })
}
