/**
 * The behaviour every ChunkStore must have. Each implementation's test file
 * calls this with a factory; a new store is done when it passes. Most cases
 * use one drop's view; the last ones check that drops stay apart.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ChunkStore, DropChunks } from './chunk-store.js'

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

const DROP_A = new Uint8Array(32).fill(0xa1)
const DROP_B = new Uint8Array(32).fill(0xb2)

export function chunkStoreContract(name: string, makeStore: () => Promise<ChunkStore>): void {
  describe(`ChunkStore contract: ${name}`, () => {
    let whole: ChunkStore | undefined
    /** One drop's view: what the swarm sees. */
    let store: DropChunks
    const open = async () => {
      whole = await makeStore()
      store = whole.drop(DROP_A)
      return store
    }
    afterEach(async () => {
      await whole?.close()
      whole = undefined
    })

    it('returns exactly the bytes that were put', async () => {
      await open()
      const value = bytes(300_000, 7)
      await store.put(id(1), value)
      expect(await store.get(id(1))).toEqual(value)
    })

    it('answers undefined and false for a chunk it does not hold', async () => {
      await open()
      expect(await store.get(id(2))).toBeUndefined()
      expect(await store.has(id(2))).toBe(false)
    })

    it('reports has() true after put and false after the drop is deleted', async () => {
      await open()
      await store.put(id(3), bytes(10, 1))
      expect(await store.has(id(3))).toBe(true)
      await whole!.deleteDrop(DROP_A)
      expect(await store.has(id(3))).toBe(false)
      expect(await store.get(id(3))).toBeUndefined()
    })

    it('keeps distinct ids apart and overwrites the same id', async () => {
      await open()
      await store.put(id(4), bytes(5, 1))
      await store.put(id(5), bytes(6, 2))
      await store.put(id(4), bytes(7, 3))
      expect(await store.get(id(4))).toEqual(bytes(7, 3))
      expect(await store.get(id(5))).toEqual(bytes(6, 2))
    })

    it('stores zero-length chunks and subarray views without their surroundings', async () => {
      await open()
      await store.put(id(6), new Uint8Array(0))
      expect(await store.get(id(6))).toEqual(new Uint8Array(0))
      const backing = bytes(100, 9)
      await store.put(id(7), backing.subarray(10, 20))
      expect(await store.get(id(7))).toEqual(backing.slice(10, 20))
    })

    it('is not changed by mutating the bytes after put or after get', async () => {
      await open()
      const value = bytes(64, 3)
      await store.put(id(8), value)
      value.fill(0)
      const got = await store.get(id(8))
      expect(got).toEqual(bytes(64, 3))
      got!.fill(1)
      expect(await store.get(id(8))).toEqual(bytes(64, 3))
    })

    it('stores a batch with putMany exactly as separate puts would', async () => {
      await open()
      const entries = Array.from({ length: 20 }, (_, i) => [id(200 + i), bytes(5000 + i, i)] as const)
      await store.putMany(entries)
      for (const [key, value] of entries) expect(await store.get(key)).toEqual(value)
      await store.putMany([])
    })

    it('answers hasMany for held and absent chunks in order', async () => {
      await open()
      await store.put(id(30), bytes(10, 1))
      await store.put(id(32), bytes(10, 2))
      expect(await store.hasMany([id(30), id(31), id(32), id(33)])).toEqual([true, false, true, false])
      expect(await store.hasMany([])).toEqual([])
    })

    it('treats deleting or moving a drop it does not hold as a no-op', async () => {
      await open()
      await expect(whole!.deleteDrop(DROP_B)).resolves.toBeUndefined()
      await expect(whole!.moveDrop(DROP_B, DROP_A)).resolves.toBeUndefined()
      expect(await store.has(id(9))).toBe(false)
    })

    it('serves many concurrent puts and gets', async () => {
      await open()
      const s = store
      await Promise.all(Array.from({ length: 32 }, (_, i) => s.put(id(100 + i), bytes(1000 + i, i))))
      const got = await Promise.all(Array.from({ length: 32 }, (_, i) => s.get(id(100 + i))))
      got.forEach((g, i) => expect(g).toEqual(bytes(1000 + i, i)))
    })

    it('keeps drops apart: a chunk one drop holds is not held by another with the same id', async () => {
      await open()
      const other = whole!.drop(DROP_B)
      await store.putMany([
        [id(40), bytes(100, 1)],
        [id(41), bytes(100, 2)],
      ])
      expect(await other.has(id(40))).toBe(false)
      expect(await other.get(id(40))).toBeUndefined()
      expect(await other.hasMany([id(40), id(41)])).toEqual([false, false])
      await other.put(id(41), bytes(100, 2))
      expect(await other.hasMany([id(40), id(41)])).toEqual([false, true])
    })

    it('deletes a drop without deleting a byte another drop holds, even under the same id', async () => {
      await open()
      const other = whole!.drop(DROP_B)
      await store.putMany([
        [id(50), bytes(70_000, 1)],
        [id(51), bytes(20, 2)],
        [DROP_A, bytes(300, 3)],
      ])
      await other.putMany([
        [id(51), bytes(20, 2)],
        [DROP_A, bytes(300, 3)],
        [id(52), bytes(10, 4)],
      ])
      await whole!.deleteDrop(DROP_B)
      expect(await store.get(id(50))).toEqual(bytes(70_000, 1))
      expect(await store.get(id(51))).toEqual(bytes(20, 2))
      expect(await store.get(DROP_A)).toEqual(bytes(300, 3))
      expect(await other.hasMany([id(51), DROP_A, id(52)])).toEqual([false, false, false])
      await whole!.deleteDrop(DROP_A)
      expect(await store.hasMany([id(50), id(51), DROP_A])).toEqual([false, false, false])
    })

    it('moves a drop’s chunks to another drop, merged with what that one holds', async () => {
      await open()
      const staging = whole!.drop(DROP_B)
      await staging.putMany([
        [id(60), bytes(100, 1)],
        [id(61), bytes(200, 2)],
      ])
      await store.put(id(61), bytes(200, 2))
      await whole!.moveDrop(DROP_B, DROP_A)
      expect(await staging.hasMany([id(60), id(61)])).toEqual([false, false])
      expect(await store.get(id(60))).toEqual(bytes(100, 1))
      expect(await store.get(id(61))).toEqual(bytes(200, 2))
      await whole!.deleteDrop(DROP_A)
      expect(await store.hasMany([id(60), id(61)])).toEqual([false, false])
    })
  })
}
