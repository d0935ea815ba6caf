/**
 * Runs of one kind in flight at once. Four did 1.0–1.3× the announces per
 * second of one at 16,000 peers, one or two processes (docs/performance.md, "Two
 * processes sharing Redis"): Redis runs scripts one at a time either way, but
 * the next batch is on the wire while one runs.
 */
const DEFAULT_MAX_IN_FLIGHT = 4

/**
 * Gathers calls and runs them as one: under load a server makes thousands of
 * Redis calls a second, and each command costs the client far more than the
 * work Redis does for it (encoding, a promise, parsing the reply). One script
 * call for a batch of membership checks, routes or announces costs about as
 * much as one of them alone.
 *
 * A batch closes at the end of the event-loop turn, unless as many runs as
 * allowed are still in flight: then it grows until one returns (as Nagle's
 * algorithm does for TCP). An idle server pays no added latency; a loaded one
 * sends fewer, larger batches, since a turn alone carries few calls at a high
 * rate.
 */
export class TurnBatch<In, Out> {
  #items: In[] = []
  #waiters: { resolve(out: Out): void; reject(err: unknown): void }[] = []
  #scheduled = false
  #inFlight = 0

  /** `run` answers every item, in order; at most `max` items go to one run, at most `maxInFlight` runs at once. */
  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly max: number,
    private readonly maxInFlight = DEFAULT_MAX_IN_FLIGHT,
  ) {}

  add(item: In): Promise<Out> {
    this.#items.push(item)
    this.#schedule()
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  #schedule(): void {
    if (this.#scheduled || this.#items.length === 0 || this.#inFlight >= this.maxInFlight) return
    this.#scheduled = true
    // setImmediate: after the poll phase, so every message read this turn, on any socket, is in.
    setImmediate(() => this.#flush())
  }

  #flush(): void {
    this.#scheduled = false
    while (this.#items.length > 0 && this.#inFlight < this.maxInFlight) {
      const items = this.#items.splice(0, this.max)
      const waiters = this.#waiters.splice(0, items.length)
      this.#inFlight++
      this.run(items)
        .then(
          (outs) => waiters.forEach((w, i) => w.resolve(outs[i])),
          (err) => waiters.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.#inFlight--
          this.#schedule()
        })
    }
  }
}
