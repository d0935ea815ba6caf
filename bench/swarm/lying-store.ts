/**
 * A lying peer's store for the simulator: it holds the real pieces (so it
 * announces all of them) but every piece it reads back to serve has a byte
 * flipped. The manifest stays true, or nobody would fetch from it at all.
 */
import type { ChunkStore } from '../../web/core/storage/chunk-store.js'
import { bytesEqual } from '../../format/bytes.js'

export function lyingStore(inner: ChunkStore, manifestId: Uint8Array): ChunkStore {
  return {
    ...inner,
    drop(dropId) {
      const chunks = inner.drop(dropId)
      return {
        ...chunks,
        async get(id) {
          const bytes = await chunks.get(id)
          if (!bytes || bytesEqual(id, manifestId)) return bytes
          const bad = bytes.slice()
          bad[bad.length >> 1] ^= 0xff
          return bad
        },
      }
    },
  }
}
