/**
 * A reader moving forward through a run of pieces (a streaming save, later
 * a video's playhead) keeps the swarm's priority window on the pieces it
 * needs next and waits for each. The window covers `ahead` pieces from the
 * reader's position and moves once the reader has gone a quarter of the way
 * through it: moving it on every piece would rebuild it per piece, and a
 * window that only jumps when used up would leave the reader with nothing
 * ahead just before each jump.
 */
import type { PieceRange } from './priority-window.js'

/** What a reader needs of a swarm (Swarm implements it). */
export interface PieceSource {
  prioritize(ranges: readonly PieceRange[]): () => void
  whenPiece(index: number, signal?: AbortSignal): Promise<void>
  /** Whether piece `index` is held already. */
  holds(index: number): boolean
}

export class ReadWindow {
  readonly #source: PieceSource
  readonly #range: PieceRange
  readonly #ahead: number
  #start = -1
  #release: (() => void) | null = null
  #closed = false

  /**
   * Reads pieces `range.first … range.end − 1`, keeping `ahead` (≥ 1) of them
   * prioritized, and `also` right after the first of them (a player asks
   * for a file's last piece early: WebM keeps its seek index there, MP4
   * often its header).
   */
  constructor(source: PieceSource, range: PieceRange, ahead: number, also?: PieceRange) {
    this.#source = source
    this.#range = range
    this.#ahead = Math.max(1, Math.floor(ahead))
    this.#also = also
  }

  readonly #also: PieceRange | undefined

  /**
   * Resolves once piece `index` is held, moving the window to it first when
   * the reader has moved on. Reading held pieces moves nothing: a window
   * over them would only take the swarm's window from a reader that waits
   * (a player reading a file's held last piece right after a seek).
   */
  async ready(index: number, signal?: AbortSignal): Promise<void> {
    const inRange = index >= this.#range.first && index < this.#range.end
    if (!this.#closed && inRange && !this.#source.holds(index) && this.#shouldMove(index)) this.#move(index)
    await this.#source.whenPiece(index, signal)
  }

  /** Clears the window if it is still this reader's; waits already made still end on their own. */
  close(): void {
    this.#closed = true
    this.#release?.()
    this.#release = null
  }

  #shouldMove(index: number): boolean {
    return this.#start < 0 || index < this.#start || index - this.#start >= Math.ceil(this.#ahead / 4)
  }

  #move(index: number): void {
    this.#start = index
    const end = Math.min(this.#range.end, index + this.#ahead)
    // `also` right after the piece the reader waits on: it is small, and a player may need it next.
    const ranges = this.#also ? [{ first: index, end: index + 1 }, this.#also, { first: index, end }] : [{ first: index, end }]
    this.#release = this.#source.prioritize(ranges)
  }
}
