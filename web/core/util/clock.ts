/**
 * Time as a dependency: the engine, each drop, the swarm, its wires and the
 * batch writer take a Clock instead of calling Date.now and setTimeout, so
 * tests (and a swarm simulator) can run them on virtual time. `realClock` is
 * the default.
 */
export type TimerId = { readonly timer: unknown }

export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): TimerId
  setInterval(callback: () => void, ms: number): TimerId
  /** undefined is ignored, as with the platform's. */
  clearTimeout(id: TimerId | undefined): void
  clearInterval(id: TimerId | undefined): void
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => ({ timer: setTimeout(callback, ms) }),
  setInterval: (callback, ms) => ({ timer: setInterval(callback, ms) }),
  clearTimeout: (id) => id && clearTimeout(id.timer as ReturnType<typeof setTimeout>),
  clearInterval: (id) => id && clearInterval(id.timer as ReturnType<typeof setInterval>),
}

/** The real timers with another source of `now` (tests that move only the wall clock). */
export function withNow(clock: Clock, now: () => number): Clock {
  return { ...clock, now }
}

interface ManualTimer {
  readonly id: TimerId
  at: number
  every: number | null
  callback: () => void
  seq: number
  cancelled: boolean
}

/**
 * Virtual time: nothing fires until `advance` (or `step`) moves the clock,
 * and then every timer due by the new time fires in order, ties in the order
 * they were set. Timers sit in a binary heap (a cleared one is skipped when it
 * surfaces), so a simulation with many thousands of them stays O(log n) per
 * firing. For tests and simulations.
 */
export class ManualClock implements Clock {
  #now: number
  #heap: ManualTimer[] = []
  #live = new Map<TimerId, ManualTimer>()
  #seq = 0

  constructor(start = 0) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): TimerId {
    return this.#add(callback, ms, null)
  }

  setInterval(callback: () => void, ms: number): TimerId {
    return this.#add(callback, ms, Math.max(1, ms))
  }

  clearTimeout(id: TimerId | undefined): void {
    const timer = id && this.#live.get(id)
    if (!timer) return
    timer.cancelled = true
    this.#live.delete(id)
  }

  clearInterval(id: TimerId | undefined): void {
    this.clearTimeout(id)
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#live.size
  }

  /** When the next timer is due, or undefined when none is set. */
  nextAt(): number | undefined {
    this.#dropCancelled()
    return this.#heap[0]?.at
  }

  /** Fires the next timer due by `until` (moving time to it); false when there is none. */
  step(until = Infinity): boolean {
    this.#dropCancelled()
    const timer = this.#heap[0]
    if (!timer || timer.at > until) return false
    this.#now = Math.max(this.#now, timer.at)
    this.#pop()
    if (timer.every === null) this.#live.delete(timer.id)
    else {
      timer.at += timer.every
      this.#push(timer)
    }
    timer.callback()
    return true
  }

  /**
   * Moves time forward by `ms`, firing every timer that comes due on the way.
   * Throws past `maxFirings` timers in one call: a timer that keeps re-arming
   * at zero delay would never let time move.
   */
  advance(ms: number, maxFirings = 1_000_000): void {
    const end = this.#now + ms
    for (let fired = 0; this.step(end); fired++) {
      if (fired + 1 >= maxFirings) throw new Error(`ManualClock: more than ${maxFirings} timers fired in one advance(${ms})`)
    }
    this.#now = end
  }

  #add(callback: () => void, ms: number, every: number | null): TimerId {
    const id: TimerId = { timer: ++this.#seq }
    const timer: ManualTimer = { id, at: this.#now + Math.max(0, ms), every, callback, seq: this.#seq, cancelled: false }
    this.#live.set(id, timer)
    this.#push(timer)
    return id
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && this.#heap[0].cancelled) this.#pop()
  }

  #before(a: ManualTimer, b: ManualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push(timer: ManualTimer): void {
    const heap = this.#heap
    let i = heap.push(timer) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#before(heap[i], heap[parent])) break
      ;[heap[i], heap[parent]] = [heap[parent], heap[i]]
      i = parent
    }
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()!
    if (heap.length === 0) return
    heap[0] = last
    for (let i = 0; ; ) {
      const l = 2 * i + 1
      const r = l + 1
      let min = i
      if (l < heap.length && this.#before(heap[l], heap[min])) min = l
      if (r < heap.length && this.#before(heap[r], heap[min])) min = r
      if (min === i) break
      ;[heap[i], heap[min]] = [heap[min], heap[i]]
      i = min
    }
  }
}

/** The longest delay setTimeout honours (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1
