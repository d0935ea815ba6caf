/**
 * Named errors. Callers branch on `err.name`, never on message text.
 * This is the base of every named error (web/core/util/errors.ts extends it)
 * and the errors the content format throws.
 */
export abstract class NamedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Manifest bytes (or the file list inside them) break the format or its limits. */
export class InvalidManifestError extends NamedError {}

/** Why a published mirror list is refused: it is not well formed, names another drop, the drop has no mirror key, the signature is not the owner's, or a newer list is known. */
export type MirrorListFault = 'malformed' | 'other-drop' | 'no-key' | 'bad-signature' | 'stale'

/** A published mirror list that is not the owner's current word for this drop (mirror-list.ts). */
export class InvalidMirrorListError extends NamedError {
  constructor(
    readonly fault: MirrorListFault,
    message: string,
  ) {
    super(message)
  }
}
