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
