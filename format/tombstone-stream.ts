/**
 * Checks a tombstone without holding the manifest in memory (the server's
 * way): the manifest arrives in parts, is hashed as it streams (its SHA-256
 * must be the CID) and the 32 bytes at the revoke-hash offset are kept; then
 * tombstone.ts's rule decides. The offset follows from the header, which the
 * hash then vouches for. The caller brings the hash (node:crypto on the
 * server), so the format stays free of platform APIs.
 */
import { digestOfCid } from './cid.js'
import { bytesEqual, fromBase64Url, toBase64Url } from './bytes.js'
import { MANIFEST_HEADER_BYTES as HEADER_BYTES, revokeHashOffset } from './manifest.js'
import { tombstoneFault } from './tombstone.js'

/** An incremental SHA-256, as node:crypto's createHash('sha256') or @noble/hashes' sha256.create() make. */
export interface Sha256Stream {
  update(data: Uint8Array): unknown
  digest(): Uint8Array
}

export class TombstoneCheck {
  readonly #createSha256: () => Sha256Stream
  readonly #hash: Sha256Stream
  readonly #header = new Uint8Array(HEADER_BYTES)
  readonly #revokeHash = new Uint8Array(32)
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
    createSha256: () => Sha256Stream,
  ) {
    this.#createSha256 = createSha256
    this.#hash = createSha256()
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
    if (!bytesEqual(this.#hash.digest(), digestOfCid(this.cid))) return 'the manifest does not match the CID'
    const revocable = this.#revokeAt !== null && this.#revokeAt !== -1 && this.#revokeAt + 32 <= this.size
    const secretHash = this.#createSha256()
    secretHash.update(this.#secret)
    return tombstoneFault(revocable ? this.#revokeHash : undefined, this.#secret, secretHash.digest())
  }
}
