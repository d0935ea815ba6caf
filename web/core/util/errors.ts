/**
 * Named errors. Callers branch on `err.name`, never on message text.
 * Platform errors (DOMException from IndexedDB or WebCrypto) pass through untouched.
 */
abstract class NamedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** The link (fragment) is malformed or truncated. */
export class InvalidLinkError extends NamedError {}
/** Manifest bytes break the format or its limits. */
export class InvalidManifestError extends NamedError {}
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
