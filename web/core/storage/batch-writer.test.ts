import { describe, expect, it } from 'vitest'
import { BatchWriter } from './batch-writer.js'
import { memoryStore } from './memory-store.js'
import type { DropChunks } from './chunk-store.js'

const id = (n: number) => new Uint8Array(32).fill(n)
const oneDrop = () => memoryStore().drop(id(255))

describe('BatchWriter', () => {
  it('writes every chunk, in batches of at most the limit, and drain waits for the last', async () => {
    const inner = oneDrop()
    const batches: number[] = []
    const store: DropChunks = { ...inner, putMany: async (entries) => (batches.push(entries.length), inner.putMany(entries)) }
    const writer = new BatchWriter(store, 1_000_000, 4)
    for (let i = 0; i < 10; i++) await writer.add(id(i), new Uint8Array(100).fill(i))
    await writer.drain()
    expect(batches).toEqual([4, 4, 2])
    for (let i = 0; i < 10; i++) expect(await inner.get(id(i))).toEqual(new Uint8Array(100).fill(i))
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
    const writer = new BatchWriter(store, 1_000_000, 2)
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
    const writer = new BatchWriter(store, 1_000_000, 1)
    await writer.add(id(1), new Uint8Array(1))
    await expect(writer.add(id(2), new Uint8Array(1)).then(() => writer.drain())).rejects.toThrow('full')
  })
})
