/**
 * Allowances per client address that refill at a steady rate (token
 * buckets): `capacity` units, refilled in full over `periodMs`. They outlive
 * connections, so reconnecting does not reset them; an address whose bucket
 * is full again is forgotten. Kept per process.
 */

/** Addresses tracked before full buckets are swept out. */
const SWEEP_ABOVE = 10_000

export class AddressQuota {
  readonly #buckets = new Map<string, { units: number; at: number }>()
  #sweepAbove = SWEEP_ABOVE

  /** `capacity` 0: no limit. */
  constructor(
    private readonly capacity: number,
    private readonly periodMs: number,
    private readonly now: () => number,
  ) {}

  /** Units left to `address` now. */
  available(address: string): number {
    if (this.capacity <= 0) return Infinity
    const bucket = this.#buckets.get(address)
    if (!bucket) return this.capacity
    return Math.min(this.capacity, bucket.units + ((this.now() - bucket.at) * this.capacity) / this.periodMs)
  }

  allows(address: string, units = 1): boolean {
    return this.available(address) >= units
  }

  take(address: string, units = 1): void {
    if (this.capacity <= 0) return
    this.#buckets.set(address, { units: this.available(address) - units, at: this.now() })
    if (this.#buckets.size > this.#sweepAbove) this.#sweep()
  }

  #sweep(): void {
    for (const address of this.#buckets.keys()) if (this.available(address) >= this.capacity) this.#buckets.delete(address)
    // Sweeping again only once the map doubled keeps the cost per take constant.
    this.#sweepAbove = Math.max(SWEEP_ABOVE, this.#buckets.size * 2)
  }
}
