/**
 * The server's time: the hub takes it through its options (hub-options.ts),
 * so tests can move time for rate limits, quotas, TURN credential lifetimes
 * and pauses without waiting. Kept here, not shared with web/: the server
 * imports nothing of the browser app, and format/ holds bytes, not time.
 */
export type Timer = ReturnType<typeof setTimeout>

export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): Timer
  clearTimeout(timer: Timer | undefined): void
  setInterval(callback: () => void, ms: number): Timer
  clearInterval(timer: Timer | undefined): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (timer) => clearInterval(timer),
}
