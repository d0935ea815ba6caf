/** Which pieces a peer holds: one bit per piece, most significant bit first (as BitTorrent). */
export class Bitfield {
  readonly bytes: Uint8Array
  #count = 0

  /** `full` sets every bit (a peer that holds everything). */
  constructor(
    readonly size: number,
    bytes?: Uint8Array,
    full = false,
  ) {
    this.bytes = new Uint8Array(Math.ceil(size / 8))
    if (full) for (let i = 0; i < size; i++) this.set(i)
    if (bytes) {
      if (bytes.length !== this.bytes.length) throw new RangeError('bitfield length does not match its size')
      this.bytes.set(bytes)
      for (let i = 0; i < size; i++) if (this.has(i)) this.#count++
    }
  }

  has(index: number): boolean {
    return index >= 0 && index < this.size && (this.bytes[index >> 3] & (0x80 >> (index & 7))) !== 0
  }

  /** Returns true when the bit was newly set. */
  set(index: number): boolean {
    if (index < 0 || index >= this.size) throw new RangeError(`piece ${index} out of range`)
    if (this.has(index)) return false
    this.bytes[index >> 3] |= 0x80 >> (index & 7)
    this.#count++
    return true
  }

  clear(index: number): void {
    if (!this.has(index)) return
    this.bytes[index >> 3] &= ~(0x80 >> (index & 7))
    this.#count--
  }

  get count(): number {
    return this.#count
  }

  get complete(): boolean {
    return this.#count === this.size
  }

  *indices(): Generator<number> {
    for (let i = 0; i < this.size; i++) if (this.has(i)) yield i
  }
}

/** A bitfield to read only: what another part keeps up to date. */
export type PieceSet = Pick<Bitfield, 'size' | 'count' | 'complete' | 'has' | 'indices' | 'bytes'>
