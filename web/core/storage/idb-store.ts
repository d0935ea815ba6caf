/**
 * Swarmdrop's IndexedDB database (through idb): sealed pieces and manifests in
 * `chunks` (a ChunkStore), the library index in `drops`. Both survive reloads
 * and browser restarts. Chromium keeps large values in blob files on disk,
 * not in the renderer's memory.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb'
import type { ChunkStore } from './chunk-store.js'
import type { DropRecord, LibraryStore } from '../library/library-store.js'
import { ownBytes, toHex } from '../util/bytes.js'

interface SwarmdropDb extends DBSchema {
  chunks: { key: string; value: ArrayBuffer }
  drops: { key: string; value: DropRecord }
}

export type SwarmdropDatabase = IDBPDatabase<SwarmdropDb>

export const DEFAULT_DB_NAME = 'swarmdrop'

export function openSwarmdropDb(name = DEFAULT_DB_NAME): Promise<SwarmdropDatabase> {
  return openDB<SwarmdropDb>(name, 2, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) db.createObjectStore('chunks')
      if (oldVersion < 2) db.createObjectStore('drops', { keyPath: 'cid' })
    },
  })
}

export function idbChunkStore(db: SwarmdropDatabase): ChunkStore {
  return {
    async put(id, bytes) {
      // IndexedDB clones the value synchronously inside put(), so the caller may reuse `bytes`.
      await db.put('chunks', ownBytes(bytes).buffer, toHex(id))
    },
    async putMany(entries) {
      const tx = db.transaction('chunks', 'readwrite')
      // All puts are queued synchronously; awaiting between them would let the transaction commit early.
      const puts = entries.map(([id, bytes]) => tx.store.put(ownBytes(bytes).buffer, toHex(id)))
      await Promise.all([...puts, tx.done])
    },
    async get(id) {
      const value = await db.get('chunks', toHex(id))
      return value ? new Uint8Array(value) : undefined
    },
    async has(id) {
      return (await db.getKey('chunks', toHex(id))) !== undefined
    },
    async hasMany(ids) {
      const tx = db.transaction('chunks')
      const keys = await Promise.all(ids.map((id) => tx.store.getKey(toHex(id))))
      return keys.map((k) => k !== undefined)
    },
    async delete(id) {
      await db.delete('chunks', toHex(id))
    },
    async close() {
      db.close()
    },
  }
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
