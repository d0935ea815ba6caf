/**
 * Readers waiting for pieces: `Swarm.whenPiece(i)` resolves once piece i is
 * verified and stored, which a streaming save or a video reader awaits. The
 * number waiting is bounded (MAX_PIECE_WAITERS), each wait can be aborted,
 * and every wait fails when the swarm stops fetching, so none hangs forever
 * and none outlives its reader.
 */
import { NamedError } from '../../../format/errors.js'
import { AbortError } from '../util/errors.js'

/** A wait that cannot be met: a piece outside the drop, too many waiting, or the swarm stopped fetching. */
export class PieceWaitError extends NamedError {}

interface Waiter {
  resolve(): void
  reject(error: Error): void
}

export class PieceWaiters {
  readonly #waiting = new Map<number, Set<Waiter>>()
  #count = 0
  #failure: Error | null = null

  constructor(readonly max: number) {}

  get count(): number {
    return this.#count
  }

  /** Resolves when `verified(index)` is called; the caller checks range and whether it is held. */
  wait(index: number, signal?: AbortSignal): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (signal?.aborted) return Promise.reject(new AbortError('aborted'))
    if (this.#count >= this.max) return Promise.reject(new PieceWaitError(`more than ${this.max} readers waiting for pieces`))
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        if (this.#remove(index, waiter)) reject(new AbortError('aborted'))
      }
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      let set = this.#waiting.get(index)
      if (!set) this.#waiting.set(index, (set = new Set()))
      set.add(waiter)
      this.#count++
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  verified(index: number): void {
    const set = this.#waiting.get(index)
    if (!set) return
    this.#waiting.delete(index)
    this.#count -= set.size
    for (const waiter of set) waiter.resolve()
  }

  /** No piece will arrive any more: every wait, now and later, fails with `error`. */
  failAll(error: Error): void {
    this.#failure ??= error
    const sets = [...this.#waiting.values()]
    this.#waiting.clear()
    this.#count = 0
    for (const set of sets) for (const waiter of set) waiter.reject(this.#failure)
  }

  #remove(index: number, waiter: Waiter): boolean {
    const set = this.#waiting.get(index)
    if (!set?.delete(waiter)) return false
    if (set.size === 0) this.#waiting.delete(index)
    this.#count--
    return true
  }
}
