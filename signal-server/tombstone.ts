/**
 * Checks a tombstone on the server without holding the manifest in memory:
 * the manifest arrives in parts, is hashed as it streams (its SHA-256 must be
 * the CID) and the 32 bytes at the revoke-hash offset are kept (they must be
 * the SHA-256 of the revoke secret). The offset follows from the header, which
 * the hash then vouches for (the layout is web/core/content/manifest.ts's).
 */
import { createHash } from 'node:crypto'
import { digestOfCid } from '../web/core/content/cid.js'
import { fromBase64Url, toBase64Url } from '../web/core/util/bytes.js'
import { MANIFEST_HEADER_BYTES as HEADER_BYTES, revokeHashOffset } from '../web/core/content/manifest.js'

export class TombstoneCheck {
  readonly #hash = createHash('sha256')
  readonly #header = Buffer.alloc(HEADER_BYTES)
  readonly #revokeHash = Buffer.alloc(32)
  #received = 0
  /** Offset of the revoke hash; -1 until the header is in, null if the drop has none. */
  #revokeAt: number | null = -1
  readonly #secret: Uint8Array
  /** The secret in canonical base64url: what is stored and sent on. */
  readonly secret: string

  /** Throws TypeError on a secret that is not canonical base64url: one secret has one spelling. */
  constructor(
    readonly cid: string,
    secret: string,
    readonly size: number,
  ) {
    this.#secret = fromBase64Url(secret)
    this.secret = toBase64Url(this.#secret)
  }

  /** Feeds the next part; true once all `size` bytes are in. Throws on more. */
  push(part: Uint8Array): boolean {
    if (this.#received + part.length > this.size) throw new RangeError('more manifest bytes than announced')
    const start = this.#received
    this.#hash.update(part)
    this.#received += part.length
    if (start < HEADER_BYTES) this.#header.set(part.subarray(0, HEADER_BYTES - start), start)
    if (this.#revokeAt === -1 && this.#received >= HEADER_BYTES) this.#revokeAt = revokeHashOffset(this.#header)
    const at = this.#revokeAt
    if (at !== null && at >= 0) {
      // Copy whatever part of [at, at + 32) this part covers.
      const from = Math.max(at, start)
      const to = Math.min(at + 32, this.#received)
      if (from < to) this.#revokeHash.set(part.subarray(from - start, to - start), from - at)
    }
    return this.#received === this.size
  }

  /** Why the tombstone is invalid, or null when it is valid. Call once every part is in. */
  verdict(): string | null {
    if (!this.#hash.digest().equals(digestOfCid(this.cid))) return 'the manifest does not match the CID'
    if (this.#revokeAt === null || this.#revokeAt === -1 || this.#revokeAt + 32 > this.size) return 'this drop cannot be revoked'
    if (!createHash('sha256').update(this.#secret).digest().equals(this.#revokeHash)) return 'the revoke secret does not match this drop'
    return null
  }
}
