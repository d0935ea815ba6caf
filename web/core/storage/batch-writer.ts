/**
 * Groups chunk writes into batches (one IndexedDB transaction each) while the
 * caller keeps producing. At most two batches are in memory: the one filling
 * and the one being written; add() waits when both are busy.
 */
import type { DropChunks } from './chunk-store.js'

export class BatchWriter {
  #pending: [Uint8Array, Uint8Array][] = []
  #pendingBytes = 0
  #writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly store: DropChunks,
    private readonly maxBatchBytes = 4 * 1024 * 1024,
    private readonly maxBatchChunks = 16,
  ) {}

  async add(id: Uint8Array, bytes: Uint8Array): Promise<void> {
    this.#pending.push([id, bytes])
    this.#pendingBytes += bytes.length
    if (this.#pendingBytes >= this.maxBatchBytes || this.#pending.length >= this.maxBatchChunks) await this.#flush()
  }

  /** Writes whatever is pending and waits for every write to finish. */
  async drain(): Promise<void> {
    await this.#flush()
    await this.#writing
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return
    const batch = this.#pending
    this.#pending = []
    this.#pendingBytes = 0
    // Chained, so batches are written in order; awaiting the previous one is the backpressure.
    const previous = this.#writing
    const current = previous.then(() => this.store.putMany(batch))
    current.catch(() => {}) // surfaced by the next flush or drain, which await it; not "unhandled" meanwhile
    this.#writing = current
    await previous
  }
}
