/**
 * The priority window: the pieces a reader needs next, in deadline order —
 * first the piece a save or a video's playhead is blocked on, then its
 * read-ahead. The downloader fetches them ahead of rarest first.
 *
 * Contract (`Swarm.prioritize(ranges)`):
 * - `ranges` are half-open piece ranges `{ first, end }` in deadline order: an
 *   earlier range, and an earlier piece in a range, is needed sooner; a piece
 *   named twice keeps its first place.
 * - One window per swarm. Setting one replaces the last (a seek); the release
 *   function it returns clears it, and does nothing once a newer window
 *   replaced it, so a reader that ends cannot clear another's window.
 * - Refused with a `PriorityWindowError`, changing nothing: no manifest yet,
 *   not an array, no ranges, more than MAX_WINDOW_RANGES, or a range whose
 *   bounds are not integers with 0 ≤ first < end ≤ piece count.
 * - Picking (downloader.ts): a peer's free slot goes to the earliest window
 *   piece it holds that nobody is fetching, except that every
 *   WINDOW_PICKS_PER_RAREST + 1-th new piece of each peer is rarest first
 *   from outside the window (constants.ts says why). The head, once in flight
 *   at one peer for HEAD_STALL_MS, is also asked of others; the first copy
 *   wins and the rest are cancelled.
 * - The reader awaits the piece it is blocked on with `Swarm.whenPiece(i)`
 *   (piece-waiters.ts) and moves the window as it reads.
 */
import { NamedError } from '../../../format/errors.js'
import type { PieceSet } from './bitfield.js'
import { MAX_WINDOW_RANGES } from './constants.js'

/** Pieces first … end − 1. */
export interface PieceRange {
  readonly first: number
  readonly end: number
}

/** A window that names no pieces, too many ranges, or pieces outside the drop. */
export class PriorityWindowError extends NamedError {}

export class PriorityWindow {
  /** Window pieces in deadline order, each once. */
  readonly pieces: readonly number[]
  /** Place of each window piece in `pieces`. */
  readonly #rank = new Map<number, number>()
  /** Every piece before this place is held: scans start here. */
  #cursor = 0

  /** Checks `ranges` (hostile until checked) against a drop of `pieceCount` pieces. */
  constructor(ranges: unknown, pieceCount: number) {
    if (!Array.isArray(ranges)) throw new PriorityWindowError('a priority window is an array of piece ranges')
    if (ranges.length === 0) throw new PriorityWindowError('a priority window names no pieces; release it instead')
    if (ranges.length > MAX_WINDOW_RANGES) {
      throw new PriorityWindowError(`a priority window has at most ${MAX_WINDOW_RANGES} ranges, not ${ranges.length}`)
    }
    const pieces: number[] = []
    for (const range of ranges as Partial<PieceRange>[]) {
      const { first, end } = range ?? {}
      if (!Number.isInteger(first) || !Number.isInteger(end) || first! < 0 || first! >= end! || end! > pieceCount) {
        throw new PriorityWindowError(`piece range ${first} … ${end} is not within the drop's ${pieceCount} pieces`)
      }
      for (let i = first!; i < end!; i++) {
        if (this.#rank.has(i)) continue
        this.#rank.set(i, pieces.length)
        pieces.push(i)
      }
    }
    this.pieces = pieces
  }

  has(index: number): boolean {
    return this.#rank.has(index)
  }

  /** The piece's place in deadline order; Infinity outside the window. */
  rank(index: number): number {
    return this.#rank.get(index) ?? Infinity
  }

  /** The first window piece not held: the one a reader waits on. */
  head(held: PieceSet): number | undefined {
    while (this.#cursor < this.pieces.length && held.has(this.pieces[this.#cursor])) this.#cursor++
    return this.pieces[this.#cursor]
  }

  /** The earliest window piece the peer holds (any peer, without `peerHas`) that is `wanted`. */
  next(peerHas: PieceSet | undefined, wanted: (index: number) => boolean): number | undefined {
    for (let r = this.#cursor; r < this.pieces.length; r++) {
      const i = this.pieces[r]
      if ((!peerHas || peerHas.has(i)) && wanted(i)) return i
    }
    return undefined
  }
}
