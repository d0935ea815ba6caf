/** A clock for tests that moves only when told to, firing due timers in time order. */
import type { Clock } from './clock.js'

export interface ManualClock extends Clock {
  /** Moves time on by `ms`, running each timer that falls due on the way. */
  advance(ms: number): void
  /** Timers still waiting. */
  readonly pending: number
}

export function manualClock(start = 0): ManualClock {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; fn: () => void; every?: number }>()
  const add = (fn: () => void, ms: number, every?: number) => {
    const id = nextId++
    timers.set(id, { at: now + Math.max(0, ms), fn, every })
    return id
  }
  return {
    now: () => now,
    setTimeout: (fn, ms) => add(fn, ms),
    clearTimeout: (h) => void timers.delete(h as number),
    setInterval: (fn, ms) => add(fn, ms, Math.max(1, ms)),
    clearInterval: (h) => void timers.delete(h as number),
    advance(ms) {
      const end = now + ms
      for (;;) {
        let due: [number, { at: number; fn: () => void; every?: number }] | undefined
        for (const entry of timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry
        if (!due) break
        const [id, timer] = due
        now = timer.at
        if (timer.every) timer.at += timer.every
        else timers.delete(id)
        timer.fn()
      }
      now = end
    },
    get pending() {
      return timers.size
    },
  }
}
