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

/**
 * Virtual time: nothing fires until `advance` moves the clock, and then every
 * timer due by the new time fires in order. For tests and simulations.
 */
export class ManualClock implements Clock {
  #now: number
  #timers = new Map<TimerId, { at: number; every: number | null; callback: () => void; seq: number }>()
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
    if (id) this.#timers.delete(id)
  }

  clearInterval(id: TimerId | undefined): void {
    if (id) this.#timers.delete(id)
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size
  }

  /**
   * Moves time forward by `ms`, firing every timer that comes due on the way.
   * Throws past `maxFirings` timers in one call: a timer that keeps re-arming
   * at zero delay would never let time move.
   */
  advance(ms: number, maxFirings = 1_000_000): void {
    const end = this.#now + ms
    for (let fired = 0; ; fired++) {
      if (fired >= maxFirings) throw new Error(`ManualClock: more than ${maxFirings} timers fired in one advance(${ms})`)
      let next: [TimerId, { at: number; every: number | null; callback: () => void; seq: number }] | undefined
      for (const entry of this.#timers) {
        if (entry[1].at > end) continue
        if (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq)) next = entry
      }
      if (!next) break
      const [id, timer] = next
      this.#now = Math.max(this.#now, timer.at)
      if (timer.every === null) this.#timers.delete(id)
      else timer.at += timer.every
      timer.callback()
    }
    this.#now = end
  }

  #add(callback: () => void, ms: number, every: number | null): TimerId {
    const id: TimerId = { timer: ++this.#seq }
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), every, callback, seq: this.#seq })
    return id
  }
}

/** The longest delay setTimeout honours (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1
