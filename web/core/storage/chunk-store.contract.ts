/**
 * The behaviour every ChunkStore must have. Each implementation's test file
 * calls this with a factory; a new store is done when it passes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ChunkStore } from './chunk-store.js'

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

function id(n: number): Uint8Array {
  const out = new Uint8Array(32)
  out[0] = n
  out[31] = 255 - n
  return out
}

export function chunkStoreContract(name: string, makeStore: () => Promise<ChunkStore>): void {
  describe(`ChunkStore contract: ${name}`, () => {
    let store: ChunkStore | undefined
    afterEach(async () => {
      await store?.close()
      store = undefined
    })

    it('returns exactly the bytes that were put', async () => {
      store = await makeStore()
      const value = bytes(300_000, 7)
      await store.put(id(1), value)
      expect(await store.get(id(1))).toEqual(value)
    })

    it('answers undefined and false for a chunk it does not hold', async () => {
      store = await makeStore()
      expect(await store.get(id(2))).toBeUndefined()
      expect(await store.has(id(2))).toBe(false)
    })

    it('reports has() true after put and false after delete', async () => {
      store = await makeStore()
      await store.put(id(3), bytes(10, 1))
      expect(await store.has(id(3))).toBe(true)
      await store.delete(id(3))
      expect(await store.has(id(3))).toBe(false)
      expect(await store.get(id(3))).toBeUndefined()
    })

    it('keeps distinct ids apart and overwrites the same id', async () => {
      store = await makeStore()
      await store.put(id(4), bytes(5, 1))
      await store.put(id(5), bytes(6, 2))
      await store.put(id(4), bytes(7, 3))
      expect(await store.get(id(4))).toEqual(bytes(7, 3))
      expect(await store.get(id(5))).toEqual(bytes(6, 2))
    })

    it('stores zero-length chunks and subarray views without their surroundings', async () => {
      store = await makeStore()
      await store.put(id(6), new Uint8Array(0))
      expect(await store.get(id(6))).toEqual(new Uint8Array(0))
      const backing = bytes(100, 9)
      await store.put(id(7), backing.subarray(10, 20))
      expect(await store.get(id(7))).toEqual(backing.slice(10, 20))
    })

    it('is not changed by mutating the bytes after put or after get', async () => {
      store = await makeStore()
      const value = bytes(64, 3)
      await store.put(id(8), value)
      value.fill(0)
      const got = await store.get(id(8))
      expect(got).toEqual(bytes(64, 3))
      got!.fill(1)
      expect(await store.get(id(8))).toEqual(bytes(64, 3))
    })

    it('stores a batch with putMany exactly as separate puts would', async () => {
      store = await makeStore()
      const entries = Array.from({ length: 20 }, (_, i) => [id(200 + i), bytes(5000 + i, i)] as const)
      await store.putMany(entries)
      for (const [key, value] of entries) expect(await store.get(key)).toEqual(value)
      await store.putMany([])
    })

    it('answers hasMany for held and absent chunks in order', async () => {
      store = await makeStore()
      await store.put(id(30), bytes(10, 1))
      await store.put(id(32), bytes(10, 2))
      expect(await store.hasMany([id(30), id(31), id(32), id(33)])).toEqual([true, false, true, false])
      expect(await store.hasMany([])).toEqual([])
    })

    it('treats deleting an absent chunk as a no-op', async () => {
      store = await makeStore()
      await expect(store.delete(id(9))).resolves.toBeUndefined()
    })

    it('serves many concurrent puts and gets', async () => {
      store = await makeStore()
      const s = store
      await Promise.all(Array.from({ length: 32 }, (_, i) => s.put(id(100 + i), bytes(1000 + i, i))))
      const got = await Promise.all(Array.from({ length: 32 }, (_, i) => s.get(id(100 + i))))
      got.forEach((g, i) => expect(g).toEqual(bytes(1000 + i, i)))
    })
  })
}
