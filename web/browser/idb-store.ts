/**
 * Swarmdrop's IndexedDB database (through idb). Survives reloads and browser
 * restarts; Chromium keeps large values in blob files on disk, not in the
 * renderer's memory.
 *
 * Layout (version 3):
 * - `chunks`: sealed pieces and manifests, key = hex chunk id (SHA-256 of the
 *   bytes), value = the bytes. Each chunk is stored once, whichever drops hold it.
 * - `claims`: which drop holds which chunk, key = [hex drop id, hex chunk id].
 *   A drop sees only chunks it claims; deleting a drop deletes its claims,
 *   then the bytes of the chunks no other drop claims, in one transaction.
 * - `drops`: the library index, key = CID.
 *
 * Versions 1 and 2 had `chunks` alone as one keyspace for every drop. Opening
 * one of those adopts it: each library record claims its stored manifest and
 * the pieces that manifest lists; chunks no record reaches are deleted.
 */
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames, openDB } from 'idb'
import type { ChunkStore, DropChunks } from '../core/storage/chunk-store.js'
import type { DropRecord, LibraryStore } from '../core/library/library-store.js'
import { digestOfCid } from '../../format/cid.js'
import { decodeManifest } from '../../format/manifest.js'
import { ownBytes, toHex } from '../core/util/bytes.js'

interface Claim {
  drop: string
  chunk: string
}

interface SwarmdropDb extends DBSchema {
  chunks: { key: string; value: ArrayBuffer }
  claims: { key: [string, string]; value: Claim; indexes: { chunk: string } }
  drops: { key: string; value: DropRecord }
}

export type SwarmdropDatabase = IDBPDatabase<SwarmdropDb>

export const DEFAULT_DB_NAME = 'swarmdrop'

export function openSwarmdropDb(name = DEFAULT_DB_NAME): Promise<SwarmdropDatabase> {
  return openDB<SwarmdropDb>(name, 3, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) db.createObjectStore('chunks')
      if (oldVersion < 2) db.createObjectStore('drops', { keyPath: 'cid' })
      if (oldVersion < 3) {
        db.createObjectStore('claims', { keyPath: ['drop', 'chunk'] }).createIndex('chunk', 'chunk')
        // A failed adoption aborts the upgrade: the old database stays as it was.
        if (oldVersion > 0) {
          adoptSharedChunks(tx).catch(() => {
            try {
              tx.abort()
            } catch {
              // already finished: its own error fails the open
            }
          })
        }
      }
    },
  })
}

/** Every claim of one drop: [drop] sorts before [drop, any string], and those before [drop, []]. */
const claimsOf = (drop: string) => IDBKeyRange.bound([drop], [drop, []])

export function idbChunkStore(db: SwarmdropDatabase): ChunkStore {
  return {
    drop(dropId): DropChunks {
      const drop = toHex(dropId)
      const putMany: DropChunks['putMany'] = async (entries) => {
        const tx = db.transaction(['chunks', 'claims'], 'readwrite')
        // All requests are queued synchronously; awaiting between them would let the transaction commit early.
        const writes = entries.flatMap(([id, bytes]) => {
          const chunk = toHex(id)
          return [tx.objectStore('chunks').put(ownBytes(bytes).buffer, chunk), tx.objectStore('claims').put({ drop, chunk })]
        })
        await Promise.all([...writes, tx.done])
      }
      const hasMany: DropChunks['hasMany'] = async (ids) => {
        const tx = db.transaction('claims')
        const keys = await Promise.all(ids.map((id) => tx.store.getKey([drop, toHex(id)])))
        return keys.map((k) => k !== undefined)
      }
      return {
        // IndexedDB clones the value synchronously inside put(), so the caller may reuse `bytes`.
        put: (id, bytes) => putMany([[id, bytes]]),
        putMany,
        async get(id) {
          const chunk = toHex(id)
          const tx = db.transaction(['claims', 'chunks'])
          const [claim, value] = await Promise.all([tx.objectStore('claims').getKey([drop, chunk]), tx.objectStore('chunks').get(chunk)])
          return claim !== undefined && value ? new Uint8Array(value) : undefined
        },
        has: async (id) => (await hasMany([id]))[0],
        hasMany,
      }
    },
    async deleteDrop(dropId) {
      const drop = toHex(dropId)
      const tx = db.transaction(['claims', 'chunks'], 'readwrite')
      const claims = tx.objectStore('claims')
      const held = (await claims.getAll(claimsOf(drop))).map((c) => c.chunk)
      await claims.delete(claimsOf(drop))
      const otherHolders = await Promise.all(held.map((chunk) => claims.index('chunk').count(chunk)))
      const deletes = held.filter((_, i) => otherHolders[i] === 0).map((chunk) => tx.objectStore('chunks').delete(chunk))
      await Promise.all([...deletes, tx.done])
    },
    async moveDrop(from, to) {
      const [source, target] = [toHex(from), toHex(to)]
      if (source === target) return
      const tx = db.transaction('claims', 'readwrite')
      const moving = await tx.store.getAll(claimsOf(source))
      await Promise.all([...moving.map((c) => tx.store.put({ drop: target, chunk: c.chunk })), tx.store.delete(claimsOf(source)), tx.done])
    },
    async close() {
      db.close()
    },
  }
}

/**
 * Upgrades a version 1 or 2 database, where all drops shared one keyspace.
 * Only IndexedDB requests are awaited (anything else would end the upgrade
 * transaction), so manifests are decoded but not re-hashed here: they were
 * hashed before they were stored, and the engine hashes each again on read.
 * A manifest that lists another held drop's manifest as a piece was crafted
 * against it and claims nothing.
 */
async function adoptSharedChunks(tx: IDBPTransaction<SwarmdropDb, StoreNames<SwarmdropDb>[], 'versionchange'>): Promise<void> {
  const chunks = tx.objectStore('chunks')
  const records = tx.objectStoreNames.contains('drops') ? await tx.objectStore('drops').getAll() : []
  const pieceIds = new Map<string, string[]>()
  for (const record of records) {
    let drop: string
    try {
      drop = toHex(digestOfCid(record.cid))
    } catch {
      continue
    }
    const bytes = await chunks.get(drop)
    if (!bytes) continue
    try {
      pieceIds.set(drop, decodeManifest(new Uint8Array(bytes)).pieceIds.map(toHex))
    } catch {}
  }
  const claimed = new Set<string>()
  const claims = tx.objectStore('claims')
  for (const [drop, ids] of pieceIds) {
    if (ids.some((id) => pieceIds.has(id))) continue
    const present = await Promise.all(ids.map((id) => chunks.getKey(id)))
    for (const chunk of [drop, ...ids.filter((_, i) => present[i] !== undefined)]) {
      claims.put({ drop, chunk })
      claimed.add(chunk)
    }
  }
  // Chunks no held drop lists were unreachable already (a share cut short): their space comes back.
  for (const key of await chunks.getAllKeys()) if (!claimed.has(key)) chunks.delete(key)
}

export function idbLibrary(db: SwarmdropDatabase): LibraryStore {
  return {
    async list() {
      return (await db.getAll('drops')).sort((a, b) => b.addedAt - a.addedAt)
    },
    get: (cid) => db.get('drops', cid),
    async put(record) {
      await db.put('drops', record)
    },
    async delete(cid) {
      await db.delete('drops', cid)
    },
  }
}
