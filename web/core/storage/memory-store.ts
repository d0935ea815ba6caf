/** A ChunkStore in a Map: for tests, and for peers that keep nothing after the page closes. */
import type { ChunkStore } from './chunk-store.js'
import { toHex } from '../util/bytes.js'

export function memoryStore(): ChunkStore {
  const chunks = new Map<string, Uint8Array>()
  let closed = false
  const open = () => {
    if (closed) throw new Error('store is closed')
  }
  return {
    async put(id, bytes) {
      open()
      chunks.set(toHex(id), bytes.slice())
    },
    async putMany(entries) {
      open()
      for (const [id, bytes] of entries) chunks.set(toHex(id), bytes.slice())
    },
    async get(id) {
      open()
      return chunks.get(toHex(id))?.slice()
    },
    async has(id) {
      open()
      return chunks.has(toHex(id))
    },
    async hasMany(ids) {
      open()
      return ids.map((id) => chunks.has(toHex(id)))
    },
    async delete(id) {
      open()
      chunks.delete(toHex(id))
    },
    async close() {
      closed = true
      chunks.clear()
    },
  }
}
