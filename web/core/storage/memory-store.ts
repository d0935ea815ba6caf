/**
 * A ChunkStore in Maps: for tests, and for peers that keep nothing after the
 * page closes. The same layout as the IndexedDB store: chunk bytes once by
 * chunk id, and per drop the set of chunk ids it holds (its claims); a
 * chunk's bytes go when the last drop holding it lets go.
 */
import type { ChunkStore, DropChunks } from './chunk-store.js'
import { toHex } from '../util/bytes.js'

export function memoryStore(): ChunkStore {
  const chunks = new Map<string, Uint8Array>()
  const claims = new Map<string, Set<string>>()
  /** chunk id → how many drops hold it. */
  const holders = new Map<string, number>()
  let closed = false
  const open = () => {
    if (closed) throw new Error('store is closed')
  }
  const claimsOf = (drop: string) => {
    let set = claims.get(drop)
    if (!set) claims.set(drop, (set = new Set()))
    return set
  }
  const release = (chunk: string) => {
    const n = holders.get(chunk)! - 1
    if (n > 0) return void holders.set(chunk, n)
    holders.delete(chunk)
    chunks.delete(chunk)
  }
  const put = (drop: string, id: Uint8Array, bytes: Uint8Array) => {
    const chunk = toHex(id)
    chunks.set(chunk, bytes.slice())
    const held = claimsOf(drop)
    if (held.has(chunk)) return
    held.add(chunk)
    holders.set(chunk, (holders.get(chunk) ?? 0) + 1)
  }
  const holds = (drop: string, id: Uint8Array) => claims.get(drop)?.has(toHex(id)) ?? false

  return {
    drop(dropId): DropChunks {
      const drop = toHex(dropId)
      return {
        async put(id, bytes) {
          open()
          put(drop, id, bytes)
        },
        async putMany(entries) {
          open()
          for (const [id, bytes] of entries) put(drop, id, bytes)
        },
        async get(id) {
          open()
          return holds(drop, id) ? chunks.get(toHex(id))?.slice() : undefined
        },
        async has(id) {
          open()
          return holds(drop, id)
        },
        async hasMany(ids) {
          open()
          return ids.map((id) => holds(drop, id))
        },
      }
    },
    async deleteDrop(dropId) {
      open()
      const drop = toHex(dropId)
      const held = claims.get(drop)
      claims.delete(drop)
      held?.forEach(release)
    },
    async moveDrop(from, to) {
      open()
      const moving = claims.get(toHex(from))
      if (!moving || toHex(from) === toHex(to)) return
      claims.delete(toHex(from))
      const target = claimsOf(toHex(to))
      for (const chunk of moving) {
        if (target.has(chunk))
          release(chunk) // held by `to` already: one holder fewer
        else target.add(chunk)
      }
    },
    async close() {
      closed = true
      chunks.clear()
      claims.clear()
      holders.clear()
    },
  }
}
