/**
 * Groups chunk writes into batches (one IndexedDB transaction each) while the
 * caller keeps producing. At most two batches are in memory: the one filling
 * and the one being written; add() waits when both are busy.
 *
 * Two ways in: `add` for a producer that wants that backpressure (ingest),
 * `write` for one that needs to know when each chunk is stored (the
 * downloader announces a piece only once it can be served). With
 * `flushAfterMs`, a batch that stops growing is written after that long.
 */
import type { DropChunks } from './chunk-store.js'
import { type Clock, type TimerId, realClock } from '../util/clock.js'
import { AbortError } from '../util/errors.js'

export interface BatchWriterOptions {
  maxBatchBytes?: number
  maxBatchChunks?: number
  /** Writes a partial batch this long after its first chunk; by default it waits for a full batch or drain(). */
  flushAfterMs?: number
  clock?: Clock
}

interface Pending {
  id: Uint8Array
  bytes: Uint8Array
  stored: () => void
  failed: (error: unknown) => void
}

export class BatchWriter {
  #pending: Pending[] = []
  #pendingBytes = 0
  #writing: Promise<void> = Promise.resolve()
  #timer: TimerId | undefined
  readonly #maxBatchBytes: number
  readonly #maxBatchChunks: number
  readonly #flushAfterMs: number | undefined
  readonly #clock: Clock

  constructor(
    private readonly store: DropChunks,
    options: BatchWriterOptions = {},
  ) {
    this.#maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024
    this.#maxBatchChunks = options.maxBatchChunks ?? 16
    this.#flushAfterMs = options.flushAfterMs
    this.#clock = options.clock ?? realClock
  }

  /** Queues a chunk; resolves when the writer can take more (a storage error surfaces here or in drain). */
  async add(id: Uint8Array, bytes: Uint8Array): Promise<void> {
    if (
      this.#queue(
        id,
        bytes,
        () => {},
        () => {},
      )
    )
      await this.#flush()
  }

  /** Queues a chunk; resolves once it is in the store, rejects with the store's error (or AbortError if abandoned). */
  write(id: Uint8Array, bytes: Uint8Array): Promise<void> {
    return new Promise((stored, failed) => {
      if (this.#queue(id, bytes, stored, failed)) void this.#flush().catch(() => {}) // the error reaches `failed`
    })
  }

  /** Writes whatever is pending and waits for every write to finish. */
  async drain(): Promise<void> {
    await this.#flush()
    await this.#writing
  }

  /** Drops the chunks not yet being written (their write() rejects with AbortError); a batch already writing finishes. */
  abandon(): void {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    const dropped = this.#pending
    this.#pending = []
    this.#pendingBytes = 0
    for (const p of dropped) p.failed(new AbortError('the batch writer was abandoned'))
  }

  /** Returns whether the batch is full. */
  #queue(id: Uint8Array, bytes: Uint8Array, stored: () => void, failed: (error: unknown) => void): boolean {
    this.#pending.push({ id, bytes, stored, failed })
    this.#pendingBytes += bytes.length
    const full = this.#pendingBytes >= this.#maxBatchBytes || this.#pending.length >= this.#maxBatchChunks
    if (!full && this.#flushAfterMs !== undefined) {
      this.#timer ??= this.#clock.setTimeout(() => void this.#flush().catch(() => {}), this.#flushAfterMs)
    }
    return full
  }

  async #flush(): Promise<void> {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending.length === 0) return
    const batch = this.#pending
    this.#pending = []
    this.#pendingBytes = 0
    // Chained, so batches are written in order; awaiting the previous one is the backpressure.
    const previous = this.#writing
    const current = previous.then(() => this.store.putMany(batch.map((p) => [p.id, p.bytes] as const)))
    current.then(
      () => batch.forEach((p) => p.stored()),
      (err) => batch.forEach((p) => p.failed(err)),
    )
    this.#writing = current
    await previous
  }
}
