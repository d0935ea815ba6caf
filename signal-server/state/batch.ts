/**
 * Gathers the calls of one event-loop turn and runs them as one: under load a
 * server makes thousands of Redis calls a second, and each command costs the
 * client far more than the work Redis does for it (encoding, a promise, parsing
 * the reply). One script call for a turn's worth of membership checks, routes
 * or announces costs about as much as one of them alone.
 */
export class TurnBatch<In, Out> {
  #items: In[] = []
  #waiters: { resolve(out: Out): void; reject(err: unknown): void }[] = []
  #scheduled = false

  /** `run` answers every item, in order; at most `max` items go to one run. */
  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly max: number,
  ) {}

  add(item: In): Promise<Out> {
    this.#items.push(item)
    if (!this.#scheduled) {
      this.#scheduled = true
      // setImmediate: after the poll phase, so every message read this turn, on any socket, is in.
      setImmediate(() => this.#flush())
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  #flush(): void {
    this.#scheduled = false
    const [items, waiters] = [this.#items, this.#waiters]
    ;[this.#items, this.#waiters] = [[], []]
    for (let start = 0; start < items.length; start += this.max) {
      const chunk = waiters.slice(start, start + this.max)
      this.run(items.slice(start, start + this.max)).then(
        (outs) => chunk.forEach((w, i) => w.resolve(outs[i])),
        (err) => chunk.forEach((w) => w.reject(err)),
      )
    }
  }
}
