/**
 * The chunks a drop stored last, kept in memory up to a byte budget in front
 * of its store. A save streaming right behind the download, and peers asking
 * for pieces that just arrived, read them from here instead of a round trip
 * through the store (with IndexedDB, a structured clone each way).
 *
 * The cache keeps the very bytes it was given, without a copy: whoever puts
 * a chunk must not change it afterwards, and readers must not change what
 * they get (the swarm's hashes were taken over these bytes). Deleting or
 * moving the drop goes through the ChunkStore, not this view: a Drop is
 * stopped before its chunks are deleted, and its cache goes with it.
 */
import type { DropChunks } from './chunk-store.js'
import { toHex } from '../util/bytes.js'

export function withRecentChunks(chunks: DropChunks, maxBytes: number): DropChunks {
  /** Insertion order is recency: a hit moves the chunk to the end, the oldest leave first. */
  const recent = new Map<string, Uint8Array>()
  let bytes = 0
  const remember = (id: Uint8Array, chunk: Uint8Array) => {
    if (chunk.length > maxBytes) return
    const key = toHex(id)
    const old = recent.get(key)
    if (old) {
      recent.delete(key)
      bytes -= old.length
    }
    recent.set(key, chunk)
    bytes += chunk.length
    for (const [oldest, value] of recent) {
      if (bytes <= maxBytes) break
      recent.delete(oldest)
      bytes -= value.length
    }
  }
  return {
    async put(id, chunk) {
      await chunks.put(id, chunk)
      remember(id, chunk)
    },
    async putMany(entries) {
      await chunks.putMany(entries)
      for (const [id, chunk] of entries) remember(id, chunk)
    },
    async get(id) {
      const key = toHex(id)
      const hit = recent.get(key)
      if (!hit) return chunks.get(id)
      recent.delete(key)
      recent.set(key, hit)
      return hit
    },
    async has(id) {
      return recent.has(toHex(id)) || chunks.has(id)
    },
    hasMany: (ids) => chunks.hasMany(ids),
  }
}
