/**
 * The message rate of one connection: a token bucket refilled at `rate` per
 * second, holding twice that. A text message takes a token and is refused
 * when none is left. A binary message (relay frame, manifest part) takes
 * 1/BINARY_MESSAGES_PER_TOKEN and is never refused, since refusing a frame
 * would break the link it belongs to: past the bucket it waits, and the hub
 * stops reading from the socket meanwhile. A flood of tiny frames, each
 * costing a membership lookup, is slowed to the rate; a relayed transfer
 * (a few hundred frames per second) never reaches it.
 */
export const BINARY_MESSAGES_PER_TOKEN = 20

export class MessageRate {
  #tokens: number
  #at: number

  constructor(
    private readonly rate: number,
    private readonly now: () => number,
  ) {
    this.#tokens = rate * 2
    this.#at = now()
  }

  /** Takes a token for a text message; false when none is left. */
  text(): boolean {
    this.#refill()
    if (this.#tokens < 1) return false
    this.#tokens--
    return true
  }

  /** Charges a binary message; returns how many ms it must wait for the bucket to be out of debt (0: none). */
  binary(): number {
    this.#refill()
    this.#tokens -= 1 / BINARY_MESSAGES_PER_TOKEN
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.rate
  }

  #refill(): void {
    const now = this.now()
    this.#tokens = Math.min(this.rate * 2, this.#tokens + ((now - this.#at) * this.rate) / 1000)
    this.#at = now
  }
}
