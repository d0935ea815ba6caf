/**
 * A ChunkStore in IndexedDB (through idb). Survives reloads and browser
 * restarts. Values are stored as ArrayBuffers under the hex id; Chromium keeps
 * large values in blob files on disk, not in the renderer's memory.
 */
import { type DBSchema, openDB } from 'idb'
import type { ChunkStore } from './chunk-store.js'
import { ownBytes, toHex } from '../util/bytes.js'

interface ChunkDb extends DBSchema {
  chunks: { key: string; value: ArrayBuffer }
}

export const DEFAULT_DB_NAME = 'swarmdrop'

export async function idbStore(dbName = DEFAULT_DB_NAME): Promise<ChunkStore> {
  const db = await openDB<ChunkDb>(dbName, 1, {
    upgrade(database) {
      database.createObjectStore('chunks')
    },
  })
  return {
    async put(id, bytes) {
      // IndexedDB clones the value synchronously inside put(), so the caller may reuse `bytes`.
      await db.put('chunks', ownBytes(bytes).buffer, toHex(id))
    },
    async get(id) {
      const value = await db.get('chunks', toHex(id))
      return value ? new Uint8Array(value) : undefined
    },
    async has(id) {
      return (await db.getKey('chunks', toHex(id))) !== undefined
    },
    async delete(id) {
      await db.delete('chunks', toHex(id))
    },
    async close() {
      db.close()
    },
  }
}
