/**
 * Checks a tombstone without holding the manifest in memory (the server's
 * way): the manifest streams through a ManifestStream (manifest-stream.ts),
 * which hashes it against the CID and keeps the revoke hash; then
 * tombstone.ts's rule decides.
 */
import { fromBase64Url, toBase64Url } from './bytes.js'
import { ManifestStream, type Sha256Stream } from './manifest-stream.js'
import { tombstoneFault } from './tombstone.js'

export type { Sha256Stream } from './manifest-stream.js'

export class TombstoneCheck {
  readonly #createSha256: () => Sha256Stream
  readonly #manifest: ManifestStream
  readonly #secret: Uint8Array
  /** The secret in canonical base64url: what is stored and sent on. */
  readonly secret: string

  /** Throws TypeError on a secret that is not canonical base64url: one secret has one spelling. */
  constructor(
    readonly cid: string,
    secret: string,
    readonly size: number,
    createSha256: () => Sha256Stream,
  ) {
    this.#createSha256 = createSha256
    this.#manifest = new ManifestStream(cid, size, createSha256)
    this.#secret = fromBase64Url(secret)
    this.secret = toBase64Url(this.#secret)
  }

  /** Feeds the next part; true once all `size` bytes are in. Throws on more. */
  push(part: Uint8Array): boolean {
    return this.#manifest.push(part)
  }

  /** Why the tombstone is invalid, or null when it is valid. Call once every part is in. */
  verdict(): string | null {
    if (!this.#manifest.matchesCid()) return 'the manifest does not match the CID'
    const secretHash = this.#createSha256()
    secretHash.update(this.#secret)
    return tombstoneFault(this.#manifest.field('revokeHash'), this.#secret, secretHash.digest())
  }
}
