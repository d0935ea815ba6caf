import { describe, expect, it } from 'vitest'
import { withRecentChunks } from './recent-chunks.js'
import { memoryStore } from './memory-store.js'
import type { DropChunks } from './chunk-store.js'

const id = (n: number) => new Uint8Array(32).fill(n)
const chunk = (n: number, size = 40) => new Uint8Array(size).fill(n)

/** A real memory store's drop that counts the reads reaching it. */
function countingDrop(): { inner: DropChunks; reads: number[] } {
  const drop = memoryStore().drop(id(255))
  const reads: number[] = []
  return {
    inner: {
      ...drop,
      get: async (key) => {
        reads.push(key[0])
        return drop.get(key)
      },
    },
    reads,
  }
}

describe('recent chunks', () => {
  it('serves what was just stored from memory, and everything else from the store', async () => {
    const { inner, reads } = countingDrop()
    const chunks = withRecentChunks(inner, 100)
    await chunks.putMany([
      [id(1), chunk(1)],
      [id(2), chunk(2)],
    ])
    expect(await chunks.get(id(1))).toEqual(chunk(1))
    expect(await chunks.get(id(2))).toEqual(chunk(2))
    expect(reads).toEqual([])
    // Still written through: the store has them too.
    expect(await inner.get(id(1))).toEqual(chunk(1))
    expect(await chunks.get(id(9))).toBeUndefined()
    expect(reads).toEqual([1, 9])
  })

  it('keeps at most its budget, dropping the least recently used first', async () => {
    const { inner, reads } = countingDrop()
    const chunks = withRecentChunks(inner, 100)
    await chunks.put(id(1), chunk(1))
    await chunks.put(id(2), chunk(2))
    await chunks.get(id(1)) // 1 is now the more recent
    await chunks.put(id(3), chunk(3)) // 120 bytes: 2 leaves
    expect(reads).toEqual([])
    expect(await chunks.get(id(2))).toEqual(chunk(2))
    expect(reads).toEqual([2])
    expect(await chunks.get(id(1))).toEqual(chunk(1))
    expect(await chunks.get(id(3))).toEqual(chunk(3))
    expect(reads).toEqual([2])
  })

  it('never caches a chunk larger than the budget, and has() sees both', async () => {
    const { inner, reads } = countingDrop()
    const chunks = withRecentChunks(inner, 100)
    await chunks.put(id(7), chunk(7, 101))
    expect(await chunks.get(id(7))).toEqual(chunk(7, 101))
    expect(reads).toEqual([7])
    await inner.put(id(8), chunk(8))
    expect(await chunks.has(id(7))).toBe(true)
    expect(await chunks.has(id(8))).toBe(true)
    expect(await chunks.has(id(9))).toBe(false)
  })

  it('does not remember a chunk whose write failed', async () => {
    const { inner } = countingDrop()
    const failing: DropChunks = {
      ...inner,
      put: async () => {
        throw new Error('QuotaExceededError')
      },
    }
    const chunks = withRecentChunks(failing, 100)
    await expect(chunks.put(id(1), chunk(1))).rejects.toThrow('QuotaExceededError')
    expect(await chunks.has(id(1))).toBe(false)
    expect(await chunks.get(id(1))).toBeUndefined()
  })
})
