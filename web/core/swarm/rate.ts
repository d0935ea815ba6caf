/** Throughput measurement and limiting, with an injected clock. */

/** Bytes per second over a sliding window of fixed buckets. */
export class RateMeter {
  readonly #buckets: Float64Array
  #bucketStart = 0
  #index = 0

  constructor(
    private readonly bucketMs = 500,
    bucketCount = 4,
  ) {
    this.#buckets = new Float64Array(bucketCount)
  }

  add(bytes: number, now: number): void {
    this.#advance(now)
    this.#buckets[this.#index] += bytes
  }

  /** Average over the window (the current, partial bucket included). */
  rate(now: number): number {
    this.#advance(now)
    let sum = 0
    for (const b of this.#buckets) sum += b
    const windowMs = (this.#buckets.length - 1) * this.bucketMs + Math.max(1, now - this.#bucketStart)
    return (sum * 1000) / windowMs
  }

  #advance(now: number): void {
    if (this.#bucketStart === 0) this.#bucketStart = now
    let steps = Math.floor((now - this.#bucketStart) / this.bucketMs)
    if (steps <= 0) return
    this.#bucketStart += steps * this.bucketMs
    steps = Math.min(steps, this.#buckets.length)
    for (let i = 0; i < steps; i++) {
      this.#index = (this.#index + 1) % this.#buckets.length
      this.#buckets[this.#index] = 0
    }
  }
}

/**
 * A token bucket shared by every upload of a page: the user's upload limit.
 * `delayFor` reserves the bytes and says how long to wait before sending them.
 */
export class UploadLimiter {
  #tokens: number
  #last: number
  bytesPerSecond: number

  constructor(
    bytesPerSecond = Infinity,
    private readonly burstBytes = 256 * 1024,
    private readonly now: () => number = Date.now,
  ) {
    this.bytesPerSecond = bytesPerSecond
    this.#tokens = burstBytes
    this.#last = now()
  }

  /** Milliseconds to wait before sending `bytes`; the bytes are reserved either way. */
  delayFor(bytes: number): number {
    if (!Number.isFinite(this.bytesPerSecond) || this.bytesPerSecond <= 0) return 0
    const now = this.now()
    this.#tokens = Math.min(this.burstBytes, this.#tokens + ((now - this.#last) * this.bytesPerSecond) / 1000)
    this.#last = now
    this.#tokens -= bytes
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.bytesPerSecond
  }
}
