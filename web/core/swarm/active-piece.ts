/**
 * One piece being downloaded: its bytes as they arrive, block by block,
 * which peers each block is asked of (more than one only in endgame), who
 * sent what, and which peer owns it (only the owner asks for fresh blocks, so
 * a bad piece has one culprit). A piece that fails its hash is reset and
 * fetched again into the same buffer.
 */
import { REQUEST_BLOCK_BYTES } from '../wire/constants.js'

export class ActivePiece {
  /** The peer fetching this piece's fresh blocks; null when nobody is. */
  owner: string | null
  /** When it was last started (clock ms): how long a reader has waited on it. */
  startedAt = 0
  readonly data: Uint8Array
  readonly #received: boolean[]
  readonly #requesters: Set<string>[]
  #receivedCount = 0
  /** Peers that delivered blocks of it since the last reset. */
  readonly #sources = new Set<string>()

  constructor(
    readonly index: number,
    length: number,
    owner: string | null = null,
  ) {
    const blocks = Math.ceil(length / REQUEST_BLOCK_BYTES)
    this.owner = owner
    this.data = new Uint8Array(length)
    this.#received = new Array<boolean>(blocks).fill(false)
    this.#requesters = Array.from({ length: blocks }, () => new Set<string>())
  }

  get blockCount(): number {
    return this.#received.length
  }

  get complete(): boolean {
    return this.#receivedCount === this.#received.length
  }

  get sources(): ReadonlySet<string> {
    return this.#sources
  }

  /** Byte range of block `b`: the last one may be short. */
  block(b: number): { offset: number; length: number } {
    const offset = b * REQUEST_BLOCK_BYTES
    return { offset, length: Math.min(REQUEST_BLOCK_BYTES, this.data.length - offset) }
  }

  /** The first block neither received nor asked of anyone, or -1. */
  freeBlock(): number {
    return this.#requesters.findIndex((r, b) => r.size === 0 && !this.#received[b])
  }

  /** Endgame: a block still missing that `peer` has not been asked for and fewer than `max` peers have. */
  duplicableBlock(peer: string, max: number): number {
    return this.#requesters.findIndex((r, b) => !this.#received[b] && !r.has(peer) && r.size < max)
  }

  /** How many blocks from `first` on are free to ask for in one request (at most `max`). */
  freeRun(first: number, max: number): number {
    let n = 1
    while (n < max && first + n < this.blockCount && this.#requesters[first + n].size === 0 && !this.#received[first + n]) n++
    return n
  }

  /** Blocks first … first + count − 1 were asked of `peer`. */
  asked(peer: string, first: number, count: number): void {
    for (let b = first; b < first + count; b++) this.#requesters[b].add(peer)
  }

  /**
   * Stores a block from `peer`. Returns the other peers it was also asked of
   * (to cancel), or null when it is not wanted: a block already received, or
   * one that is not exactly a block of this piece.
   */
  receive(peer: string, offset: number, data: Uint8Array): string[] | null {
    const b = offset / REQUEST_BLOCK_BYTES
    if (!Number.isInteger(b) || b < 0 || b >= this.blockCount || this.#received[b]) return null
    if (data.length !== this.block(b).length) return null
    this.data.set(data, offset)
    this.#received[b] = true
    this.#receivedCount++
    this.#sources.add(peer)
    const others = [...this.#requesters[b]].filter((p) => p !== peer)
    this.#requesters[b].clear()
    return others
  }

  /** `peer` will not answer for this block (timed out): someone else may be asked. */
  releaseBlock(peer: string, offset: number): void {
    this.#requesters[offset / REQUEST_BLOCK_BYTES]?.delete(peer)
    if (this.owner === peer) this.owner = null
  }

  /**
   * Takes back every request still unanswered (a seek: the peers' pipelines
   * go to the new window): returns who was asked for which block, to
   * cancel. Received blocks stay; the piece is fetched on later.
   */
  withdraw(): { peer: string; offset: number; length: number }[] {
    const asked: { peer: string; offset: number; length: number }[] = []
    this.#requesters.forEach((requesters, b) => {
      for (const peer of requesters) asked.push({ peer, ...this.block(b) })
      requesters.clear()
    })
    this.owner = null
    return asked
  }

  /** `peer` will not answer for any block of this piece (left, or refused it). */
  release(peer: string): void {
    for (const requesters of this.#requesters) requesters.delete(peer)
    if (this.owner === peer) this.owner = null
  }

  /** The assembled piece failed its hash: forget every block, keep the buffer. */
  reset(): void {
    this.#received.fill(false)
    for (const requesters of this.#requesters) requesters.clear()
    this.#receivedCount = 0
    this.#sources.clear()
    this.owner = null
  }
}
