// Runs in real Chromium (vitest browser mode): the IndexedDB stores against the same contracts as the memory ones.
import { describe, expect, it } from 'vitest'
import { chunkStoreContract } from '../core/storage/chunk-store.contract.js'
import { idbChunkStore, idbLibrary, openSwarmdropDb } from './idb-store.js'
import { memoryStore } from '../core/storage/memory-store.js'
import { libraryContract } from '../core/library/library-store.contract.js'
import { type DropRecord, memoryLibrary } from '../core/library/library-store.js'
import { dropIsolationContract } from '../core/drop-isolation.contract.js'
import { craftDrop } from '../core/crafted-drop.fixtures.js'
import { crypto, useEngines } from '../core/engine.fixtures.js'
import { ingest } from '../core/chunking/ingest.js'
import { bytesSource } from '../core/chunking/source.js'
import { digestOfCid } from '../../format/cid.js'
import { MemorySignalingHub } from '../core/signaling/memory-hub.js'
import { fileBytes, once } from '../core/drop.fixtures.js'
import { fromHex, toHex } from '../core/util/bytes.js'
import { toBase64Url } from '../../format/bytes.js'
import { pseudoRandomBytes } from '../core/util/random.js'

let n = 0
const freshDb = () => openSwarmdropDb(`contract-${Date.now()}-${n++}`)
chunkStoreContract('IndexedDB', async () => idbChunkStore(await freshDb()))
chunkStoreContract('memory (in the browser)', async () => memoryStore())
libraryContract('IndexedDB', async () => idbLibrary(await freshDb()))
libraryContract('memory (in the browser)', async () => memoryLibrary())
dropIsolationContract('IndexedDB store', async () => idbChunkStore(await freshDb()))

/** Writes a database as version 2 left it: one `chunks` keyspace for every drop, and the library. */
function writeVersion2(name: string, chunks: Map<string, Uint8Array>, records: DropRecord[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name, 2)
    open.onupgradeneeded = () => {
      open.result.createObjectStore('chunks')
      open.result.createObjectStore('drops', { keyPath: 'cid' })
    }
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      const tx = db.transaction(['chunks', 'drops'], 'readwrite')
      for (const [hex, bytes] of chunks) tx.objectStore('chunks').put(bytes.slice().buffer, hex)
      for (const record of records) tx.objectStore('drops').put(record)
      tx.oncomplete = () => {
        db.close()
        resolve()
      }
      tx.onerror = () => reject(tx.error)
    }
  })
}

describe('IndexedDB upgrade', () => {
  const engine = useEngines()

  it('adopts a version 2 database: held drops keep every byte, a drop crafted against another gets nothing', async () => {
    const source = memoryStore()
    const content = pseudoRandomBytes(5 * (16_384 - 16), 91)
    const v = await ingest([bytesSource('v.bin', content)], { crypto, store: source, pieceSize: 16_384 })
    const vDigest = digestOfCid(v.cid)
    const vChunks = new Map<string, Uint8Array>([[toHex(vDigest), v.manifestBytes]])
    for (const piece of v.manifest.pieceIds) vChunks.set(toHex(piece), (await source.drop(vDigest).get(piece))!)
    const crafted = await craftDrop(crypto, { manifest: v.manifest, digest: vDigest }, { listVictimManifest: true })
    const sharing = await craftDrop(crypto, { manifest: v.manifest, digest: vDigest }) // lists V's pieces only
    const record = (cid: DropRecord['cid'], secret: Uint8Array | null): DropRecord => ({
      cid,
      role: 'downloaded',
      secret: secret && toBase64Url(secret),
      name: null,
      totalBytes: null,
      addedAt: 1,
      seeding: true,
    })
    const name = `legacy-${Date.now()}`
    await writeVersion2(
      name,
      new Map([
        ...vChunks,
        [toHex(digestOfCid(crafted.cid)), crafted.bytes],
        [toHex(digestOfCid(sharing.cid)), sharing.bytes],
        [toHex(sharing.own.id), sharing.own.bytes],
        ['ee'.repeat(32), new Uint8Array(500)], // reached by no drop
      ]),
      [record(v.cid, v.secret), record(crafted.cid, crafted.secret), record(sharing.cid, null)],
    )

    const db = await openSwarmdropDb(name)
    const store = idbChunkStore(db)
    const kept = [...vChunks.keys(), toHex(digestOfCid(sharing.cid)), toHex(sharing.own.id)]
    expect((await db.getAllKeys('chunks')).sort()).toEqual(kept.sort())
    for (const [hex, bytes] of vChunks) expect(await store.drop(vDigest).get(fromHex(hex))).toEqual(bytes)
    expect(await store.drop(digestOfCid(crafted.cid)).has(digestOfCid(crafted.cid))).toBe(false)
    expect(await store.drop(digestOfCid(sharing.cid)).hasMany([...v.manifest.pieceIds, sharing.own.id])).toEqual(Array(6).fill(true))
    await store.deleteDrop(digestOfCid(sharing.cid))
    for (const [hex, bytes] of vChunks) expect(await store.drop(vDigest).get(fromHex(hex))).toEqual(bytes)

    // The app opens on the upgraded database and still has the held drop, whole.
    const app = engine(new MemorySignalingHub(), { store, library: idbLibrary(db) })
    await app.restoreLibrary()
    const held = app.drop(v.cid)!
    await once(held, 'complete')
    expect(toHex(await crypto.sha256(await fileBytes(held)))).toBe(toHex(await crypto.sha256(content)))
    app.close()
    db.close()
  })
})
