import { describe, expect, it } from 'vitest'
import { chunkStoreContract } from './chunk-store.contract.js'
import { layeredStore } from './layered-store.js'
import { memoryStore } from './memory-store.js'

chunkStoreContract('layered (memory over memory)', async () => layeredStore(memoryStore(), memoryStore()))

const drop = (n: number) => new Uint8Array(32).fill(n)
const id = (n: number) => new Uint8Array(32).fill(0x40 + n)
const bytes = (n: number, length = 100) => new Uint8Array(length).fill(n)

describe('layered store over a store that already holds drops', () => {
  async function withLegacyDrop() {
    const [primary, legacy] = [memoryStore(), memoryStore()]
    await legacy.drop(drop(1)).putMany([
      [id(1), bytes(1)],
      [id(2), bytes(2)],
    ])
    return { primary, legacy, store: layeredStore(primary, legacy) }
  }

  it('reads a drop stored before the switch, and only through that drop', async () => {
    const { store } = await withLegacyDrop()
    expect(await store.drop(drop(1)).get(id(2))).toEqual(bytes(2))
    expect(await store.drop(drop(1)).has(id(1))).toBe(true)
    expect(await store.drop(drop(1)).hasMany([id(1), id(3), id(2)])).toEqual([true, false, true])
    expect(await store.drop(drop(2)).get(id(1))).toBeUndefined()
    expect(await store.drop(drop(2)).hasMany([id(1), id(2)])).toEqual([false, false])
  })

  it('writes new chunks to the primary store only, and answers hasMany across both in order', async () => {
    const { primary, legacy, store } = await withLegacyDrop()
    await store.drop(drop(1)).put(id(3), bytes(3))
    expect(await primary.drop(drop(1)).get(id(3))).toEqual(bytes(3))
    expect(await legacy.drop(drop(1)).has(id(3))).toBe(false)
    expect(await store.drop(drop(1)).hasMany([id(3), id(1), id(4), id(2)])).toEqual([true, true, false, true])
  })

  it('deletes a drop from both stores, leaving other drops in either', async () => {
    const { primary, legacy, store } = await withLegacyDrop()
    await store.drop(drop(1)).put(id(3), bytes(3))
    await legacy.drop(drop(2)).put(id(1), bytes(1))
    await store.drop(drop(2)).put(id(5), bytes(5))
    await store.deleteDrop(drop(1))
    expect(await legacy.drop(drop(1)).hasMany([id(1), id(2)])).toEqual([false, false])
    expect(await primary.drop(drop(1)).has(id(3))).toBe(false)
    expect(await store.drop(drop(1)).hasMany([id(1), id(2), id(3)])).toEqual([false, false, false])
    expect(await store.drop(drop(2)).get(id(1))).toEqual(bytes(1))
    expect(await store.drop(drop(2)).get(id(5))).toEqual(bytes(5))
  })

  it('moves a drop in both stores', async () => {
    const { store } = await withLegacyDrop()
    await store.drop(drop(1)).put(id(3), bytes(3))
    await store.moveDrop(drop(1), drop(2))
    expect(await store.drop(drop(1)).hasMany([id(1), id(2), id(3)])).toEqual([false, false, false])
    expect(await store.drop(drop(2)).hasMany([id(1), id(2), id(3)])).toEqual([true, true, true])
  })
})
