import { describe, expect, it } from 'vitest'
import { BatchWriter } from './batch-writer.js'
import { memoryStore } from './memory-store.js'
import type { DropChunks } from './chunk-store.js'
import { ManualClock } from '../util/clock.js'

const id = (n: number) => new Uint8Array(32).fill(n)
const oneDrop = () => memoryStore().drop(id(255))

/** One drop's chunks that record the size of every putMany batch. */
function countingDrop(): { store: DropChunks; batches: number[] } {
  const inner = oneDrop()
  const batches: number[] = []
  const store: DropChunks = {
    ...inner,
    putMany: async (entries) => {
      batches.push(entries.length)
      return inner.putMany(entries)
    },
  }
  return { store, batches }
}

describe('BatchWriter', () => {
  it('writes every chunk, in batches of at most the limit, and drain waits for the last', async () => {
    const { store, batches } = countingDrop()
    const writer = new BatchWriter(store, { maxBatchBytes: 1_000_000, maxBatchChunks: 4 })
    for (let i = 0; i < 10; i++) await writer.add(id(i), new Uint8Array(100).fill(i))
    await writer.drain()
    expect(batches).toEqual([4, 4, 2])
    for (let i = 0; i < 10; i++) expect(await store.get(id(i))).toEqual(new Uint8Array(100).fill(i))
  })

  it('keeps at most one batch writing while the next fills', async () => {
    let writing = 0
    let maxWriting = 0
    const finishWrite: (() => void)[] = [] // each write lasts until the test ends it
    const store: DropChunks = {
      ...oneDrop(),
      putMany: async () => {
        maxWriting = Math.max(maxWriting, ++writing)
        await new Promise<void>((r) => finishWrite.push(r))
        writing--
      },
    }
    const writer = new BatchWriter(store, { maxBatchBytes: 1_000_000, maxBatchChunks: 2 })
    const done = Promise.all(Array.from({ length: 12 }, (_, i) => writer.add(id(i), new Uint8Array(10)))).then(() => writer.drain())
    for (let batch = 0; batch < 6; batch++) {
      await expect.poll(() => finishWrite.length).toBe(1) // one batch writing, however long it takes
      finishWrite.shift()!()
    }
    await done
    expect(maxWriting).toBe(1)
  })

  it('reports a storage error to the producer', async () => {
    const store: DropChunks = { ...oneDrop(), putMany: async () => Promise.reject(new DOMException('full', 'QuotaExceededError')) }
    const writer = new BatchWriter(store, { maxBatchBytes: 1_000_000, maxBatchChunks: 1 })
    await writer.add(id(1), new Uint8Array(1))
    await expect(writer.add(id(2), new Uint8Array(1)).then(() => writer.drain())).rejects.toThrow('full')
  })

  it('write() resolves once its chunk is stored; a partial batch goes out after flushAfterMs of virtual time', async () => {
    const { store, batches } = countingDrop()
    const clock = new ManualClock()
    const writer = new BatchWriter(store, { maxBatchBytes: 1_000, flushAfterMs: 25, clock })
    const stored: number[] = []
    const writes = [1, 2].map((n) => writer.write(id(n), new Uint8Array(10).fill(n)).then(() => stored.push(n)))
    await Promise.resolve()
    expect(batches).toEqual([]) // neither full nor due
    clock.advance(24)
    expect(batches).toEqual([])
    clock.advance(1)
    await Promise.all(writes)
    expect(batches).toEqual([2])
    expect(stored).toEqual([1, 2])
    expect(await store.get(id(2))).toEqual(new Uint8Array(10).fill(2))
    // A full batch does not wait for the timer.
    await writer.write(id(3), new Uint8Array(1_000))
    expect(batches).toEqual([2, 1])
  })

  it('write() rejects with the store error for every chunk of a failed batch', async () => {
    const store: DropChunks = { ...oneDrop(), putMany: async () => Promise.reject(new DOMException('full', 'QuotaExceededError')) }
    const writer = new BatchWriter(store, { maxBatchChunks: 2 })
    const results = await Promise.allSettled([writer.write(id(1), new Uint8Array(1)), writer.write(id(2), new Uint8Array(1))])
    expect(results.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['full', 'full'])
  })

  it('abandon() drops chunks not yet writing: nothing reaches the store, their write() rejects', async () => {
    const inner = oneDrop()
    const clock = new ManualClock()
    const writer = new BatchWriter(inner, { flushAfterMs: 25, clock })
    const write = writer.write(id(1), new Uint8Array(10))
    writer.abandon()
    await expect(write).rejects.toMatchObject({ name: 'AbortError' })
    clock.advance(100)
    await writer.drain()
    expect(await inner.get(id(1))).toBeUndefined()
    expect(clock.pending).toBe(0)
  })
})
