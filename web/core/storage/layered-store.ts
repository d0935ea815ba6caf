/**
 * A ChunkStore in front of an older one: new chunks go to `primary`, and a
 * drop stored before the switch (in `legacy`) stays readable where it is.
 * Reads and has() ask `primary` first, then `legacy`; deleting or moving a
 * drop does so in both, so a drop never lingers in the store it came from.
 * The browser layers the OPFS store over the IndexedDB one.
 */
import type { ChunkStore, DropChunks } from './chunk-store.js'

export function layeredStore(primary: ChunkStore, legacy: ChunkStore): ChunkStore {
  return {
    drop(dropId): DropChunks {
      const [now, before] = [primary.drop(dropId), legacy.drop(dropId)]
      const hasMany: DropChunks['hasMany'] = async (ids) => {
        const held = await now.hasMany(ids)
        const missing = ids.filter((_, i) => !held[i])
        if (missing.length === 0) return held
        const older = await before.hasMany(missing)
        let next = 0
        return held.map((h) => h || older[next++])
      }
      return {
        put: (id, bytes) => now.put(id, bytes),
        putMany: (entries) => now.putMany(entries),
        get: async (id) => (await now.get(id)) ?? (await before.get(id)),
        has: async (id) => (await now.has(id)) || (await before.has(id)),
        hasMany,
      }
    },
    async deleteDrop(dropId) {
      await Promise.all([primary.deleteDrop(dropId), legacy.deleteDrop(dropId)])
    },
    async moveDrop(from, to) {
      await Promise.all([primary.moveDrop(from, to), legacy.moveDrop(from, to)])
    },
    async close() {
      await Promise.all([primary.close(), legacy.close()])
    },
  }
}
