/**
 * A manifest that arrives in parts (the server's way: it never holds a whole
 * manifest in memory), hashed as it streams, with the two 32-byte keys a
 * server checks kept as they pass: the revoke hash (tombstones,
 * tombstone-stream.ts) and the mirror key (published mirror lists,
 * mirror-list-stream.ts). Their offsets follow from the header, which the
 * hash then vouches for: nothing here is trusted until `matchesCid()`. The
 * caller brings the hash (node:crypto on the server), so the format stays
 * free of platform APIs.
 */
import { digestOfCid } from './cid.js'
import { bytesEqual } from './bytes.js'
import { MANIFEST_HEADER_BYTES as HEADER_BYTES, type ManifestKeyField, manifestKeyOffsets } from './manifest.js'

/** An incremental SHA-256, as node:crypto's createHash('sha256') or @noble/hashes' sha256.create() make. */
export interface Sha256Stream {
  update(data: Uint8Array): unknown
  digest(): Uint8Array
}

const FIELDS: readonly ManifestKeyField[] = ['revokeHash', 'mirrorKey']

export class ManifestStream {
  readonly #hash: Sha256Stream
  readonly #header = new Uint8Array(HEADER_BYTES)
  readonly #fields: Record<ManifestKeyField, Uint8Array> = { revokeHash: new Uint8Array(32), mirrorKey: new Uint8Array(32) }
  /** Field offsets once the header is in; null until then. */
  #offsets: Record<ManifestKeyField, number | null> | null = null
  #received = 0

  constructor(
    readonly cid: string,
    /** The length the sender announced: more is refused. */
    readonly size: number,
    createSha256: () => Sha256Stream,
  ) {
    this.#hash = createSha256()
  }

  /** Feeds the next part; true once all `size` bytes are in. Throws RangeError on more. */
  push(part: Uint8Array): boolean {
    if (this.#received + part.length > this.size) throw new RangeError('more manifest bytes than announced')
    const start = this.#received
    this.#hash.update(part)
    this.#received += part.length
    if (start < HEADER_BYTES) this.#header.set(part.subarray(0, HEADER_BYTES - start), start)
    if (!this.#offsets && this.#received >= HEADER_BYTES) this.#offsets = manifestKeyOffsets(this.#header)
    for (const field of FIELDS) {
      const at = this.#offsets?.[field]
      if (at === null || at === undefined) continue
      // Copy whatever part of [at, at + 32) this part covers.
      const from = Math.max(at, start)
      const to = Math.min(at + 32, this.#received)
      if (from < to) this.#fields[field].set(part.subarray(from - start, to - start), from - at)
    }
    return this.#received === this.size
  }

  /** Whether every announced byte came and they hash to the CID. Call once, when push() said done. */
  matchesCid(): boolean {
    return this.#received === this.size && bytesEqual(this.#hash.digest(), digestOfCid(this.cid))
  }

  /** The field, if the manifest has it and it lies within the bytes received; meaningful only after matchesCid(). */
  field(name: ManifestKeyField): Uint8Array | undefined {
    const at = this.#offsets?.[name]
    if (at === null || at === undefined || at + 32 > this.#received) return undefined
    return this.#fields[name]
  }
}
