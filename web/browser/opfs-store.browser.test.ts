// Runs in real Chromium (vitest browser mode): the OPFS store, alone and over the IndexedDB one, against the store contracts.
import { describe, expect, it } from 'vitest'
import { chunkStoreContract } from '../core/storage/chunk-store.contract.js'
import { dropIsolationContract } from '../core/drop-isolation.contract.js'
import { layeredStore } from '../core/storage/layered-store.js'
import { toHex } from '../core/util/bytes.js'
import { idbChunkStore, openSwarmdropDb } from './idb-store.js'
import { openOpfsChunkStore } from './opfs-store.js'

let n = 0
const freshRoot = () => `opfs-contract-${Date.now()}-${n++}`
async function freshStore(root = freshRoot()) {
  const store = await openOpfsChunkStore(root)
  if (!store) throw new Error('OPFS with sync access handles should work in Chromium')
  return store
}
const freshIdb = async () => idbChunkStore(await openSwarmdropDb(`opfs-legacy-${Date.now()}-${n++}`))

chunkStoreContract('OPFS', () => freshStore())
chunkStoreContract('OPFS over IndexedDB', async () => layeredStore(await freshStore(), await freshIdb()))
dropIsolationContract('OPFS store', () => freshStore())
dropIsolationContract('OPFS over IndexedDB', async () => layeredStore(await freshStore(), await freshIdb()))

const DROP = new Uint8Array(32).fill(0xd1)
const ID = new Uint8Array(32).fill(0x17)
const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff)

/** The drop's directory as the worker left it: file name → size. */
async function listDrop(root: string, drop: Uint8Array): Promise<Record<string, number>> {
  const dir = await (await (await navigator.storage.getDirectory()).getDirectoryHandle(root)).getDirectoryHandle(toHex(drop))
  const out: Record<string, number> = {}
  for await (const [name, entry] of dir.entries()) out[name] = (await (entry as FileSystemFileHandle).getFile()).size
  return out
}

describe('OPFS store', () => {
  it('refuses a chunk id or drop id that is not 32 bytes, with a clear error, and stores nothing', async () => {
    const store = await freshStore()
    const drop = store.drop(DROP)
    await expect(drop.put(new Uint8Array(31), bytes(10, 1))).rejects.toThrow(/chunk id must be 32 bytes, got 31/)
    await expect(
      drop.putMany([
        [ID, bytes(10, 1)],
        [new Uint8Array(64), bytes(10, 2)],
      ]),
    ).rejects.toThrow(/chunk id must be 32 bytes, got 64/)
    await expect(drop.get(new Uint8Array(0))).rejects.toThrow(/chunk id must be 32 bytes/)
    await expect(drop.hasMany([ID, new Uint8Array(33)])).rejects.toThrow(/chunk id must be 32 bytes/)
    expect(() => store.drop(new Uint8Array(16))).toThrow(/drop id must be 32 bytes, got 16/)
    await expect(store.deleteDrop(new Uint8Array(33))).rejects.toThrow(/drop id must be 32 bytes/)
    await expect(store.moveDrop(DROP, new Uint8Array(1))).rejects.toThrow(/drop id must be 32 bytes/)
    expect(await drop.has(ID)).toBe(false)
    await store.close()
  })

  it('answers every request posted before close, and refuses reads and writes after it', async () => {
    const store = await freshStore()
    const drop = store.drop(DROP)
    const writing = drop.put(ID, bytes(200_000, 3))
    await store.close()
    await expect(writing).resolves.toBeUndefined()
    await expect(drop.get(ID)).rejects.toThrow(/closed/)
    await expect(drop.put(ID, bytes(5, 1))).rejects.toThrow(/closed/)
    await expect(store.deleteDrop(DROP)).rejects.toThrow(/closed/)
  })

  it('keeps chunks across a reopen of the same root, one file per chunk with no leftover part files', async () => {
    const root = freshRoot()
    const first = await freshStore(root)
    await first.drop(DROP).putMany([[ID, bytes(3_000_000, 5)]])
    await first.close()
    expect(await listDrop(root, DROP)).toEqual({ [toHex(ID)]: 3_000_000 })
    const again = await freshStore(root)
    expect(await again.drop(DROP).get(ID)).toEqual(bytes(3_000_000, 5))
    await again.close()
  })

  it('never shows a chunk under its own name before all its bytes are written', async () => {
    const root = freshRoot()
    const store = await freshStore(root)
    const size = 32 * 1024 * 1024
    await store.drop(DROP).put(new Uint8Array(32), bytes(1, 1)) // creates the drop's directory
    let done = false
    const writing = store
      .drop(DROP)
      .put(ID, new Uint8Array(size))
      .finally(() => (done = true))
    const seen = new Set<number>() // sizes seen under the chunk's own name while the write ran
    const dir = await (await (await navigator.storage.getDirectory()).getDirectoryHandle(root)).getDirectoryHandle(toHex(DROP))
    for (let i = 0; i < 10_000 && !done; i++) {
      const file = await dir.getFileHandle(toHex(ID)).then(
        (h) => h.getFile(),
        () => undefined,
      ) // NotFound until it is renamed into place
      if (file) seen.add(file.size)
    }
    await writing
    expect([...seen].filter((s) => s !== size)).toEqual([])
    expect((await store.drop(DROP).get(ID))?.length).toBe(size)
    await store.close()
  })

  it('does not report a chunk whose write a crash cut short, and a later put of it stores it whole', async () => {
    const root = freshRoot()
    const store = await freshStore(root)
    await store.drop(DROP).put(new Uint8Array(32), bytes(1, 1)) // creates the drop's directory
    const dir = await (await (await navigator.storage.getDirectory()).getDirectoryHandle(root)).getDirectoryHandle(toHex(DROP))
    const torn = await (await dir.getFileHandle(`${toHex(ID)}.0000.part`, { create: true })).createWritable()
    await torn.write(bytes(1000, 9))
    await torn.close() // what a crash mid-write leaves: part of the bytes, under the temporary name
    expect(await store.drop(DROP).has(ID)).toBe(false)
    expect(await store.drop(DROP).hasMany(Array(20).fill(ID))).toEqual(Array(20).fill(false)) // the listing path too
    expect(await store.drop(DROP).get(ID)).toBeUndefined()
    await store.drop(DROP).put(ID, bytes(4000, 2))
    expect(await store.drop(DROP).get(ID)).toEqual(bytes(4000, 2))
    await store.deleteDrop(DROP)
    await expect(listDrop(root, DROP)).rejects.toThrow(/NotFound|could not be found/)
    await store.close()
  })
})

describe('OPFS over a browser that already holds drops in IndexedDB', () => {
  it('serves the IndexedDB drop, writes new chunks to OPFS, and deletes the drop from both', async () => {
    const legacy = await freshIdb()
    await legacy.drop(DROP).putMany([[ID, bytes(70_000, 4)]])
    const root = freshRoot()
    const store = layeredStore(await freshStore(root), legacy)
    expect(await store.drop(DROP).get(ID)).toEqual(bytes(70_000, 4))
    const fresh = new Uint8Array(32).fill(0x99)
    await store.drop(DROP).put(fresh, bytes(500, 1))
    expect(await listDrop(root, DROP)).toEqual({ [toHex(fresh)]: 500 })
    expect(await store.drop(DROP).hasMany([ID, fresh])).toEqual([true, true])
    await store.deleteDrop(DROP)
    expect(await legacy.drop(DROP).has(ID)).toBe(false)
    expect(await store.drop(DROP).hasMany([ID, fresh])).toEqual([false, false])
    await store.close()
  })
})
