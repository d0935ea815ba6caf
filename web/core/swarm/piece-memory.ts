/**
 * What the downloader holds in memory: every piece from its start until its
 * write to the store settles (or it is dropped), and of those the whole
 * ones, being hashed or waiting for the store. No piece starts while either
 * is at its bound (constants.ts says why each), so a store slower than the
 * peers holds back new requests instead of filling the page, and its queue
 * stays short: a reader waiting on a piece waits for every write before it.
 */
import { MAX_HELD_PIECE_BYTES, MAX_UNSTORED_BYTES } from './constants.js'

export class PieceMemory {
  #held = 0
  #unstored = 0

  /** Whether a new piece may start. */
  get room(): boolean {
    return this.#held < MAX_HELD_PIECE_BYTES && this.#unstored < MAX_UNSTORED_BYTES
  }

  started(bytes: number): void {
    this.#held += bytes
  }

  /** The piece is whole: it is hashed, then stored, or fetched again. */
  whole(bytes: number): void {
    this.#unstored += bytes
  }

  /** Its write settled, or it was discarded; `refetching` when it is fetched again into the same buffer (still held). */
  settled(bytes: number, refetching: boolean): void {
    this.#unstored -= bytes
    if (!refetching) this.#held -= bytes
  }

  /** A piece under way was dropped (the downloader stopped). */
  dropped(bytes: number): void {
    this.#held -= bytes
  }
}
