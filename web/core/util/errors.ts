/**
 * Named errors of the engine (the format's are format/errors.ts). Callers
 * branch on `err.name`, never on message text. Platform errors (DOMException
 * from IndexedDB or WebCrypto) pass through untouched.
 */
import { NamedError } from '../../../format/errors.js'

/** The link (fragment) is malformed or truncated. */
export class InvalidLinkError extends NamedError {}
/** A wire frame breaks the format or its limits. */
export class InvalidFrameError extends NamedError {}
/** AES-GCM authentication failed: wrong key or tampered ciphertext. */
export class DecryptionError extends NamedError {}
/** A piece the caller expected in the store is not there (deleted, or never fetched). */
export class MissingPieceError extends NamedError {}
/** The operation was cancelled through its AbortSignal. */
export class AbortError extends NamedError {}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(typeof signal.reason === 'string' ? signal.reason : 'aborted')
}
