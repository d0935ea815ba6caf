/** The behaviour every LibraryStore must have. */
import { describe, expect, it } from 'vitest'
import type { DropRecord, LibraryStore } from './library-store.js'
import { cidFromDigest } from '../../../format/cid.js'

function record(n: number, patch: Partial<DropRecord> = {}): DropRecord {
  return {
    cid: cidFromDigest(new Uint8Array(32).fill(n)),
    role: 'shared',
    secret: 'A'.repeat(43),
    name: `file ${n}.txt`,
    totalBytes: n * 100,
    addedAt: 1_000 + n,
    seeding: true,
    ...patch,
  }
}

export function libraryContract(name: string, makeLibrary: () => Promise<LibraryStore>): void {
  describe(`LibraryStore contract: ${name}`, () => {
    it('returns what was put, newest first', async () => {
      const lib = await makeLibrary()
      await lib.put(record(1))
      await lib.put(record(3))
      await lib.put(record(2, { role: 'downloaded', name: null, totalBytes: null }))
      expect((await lib.list()).map((r) => r.addedAt)).toEqual([1003, 1002, 1001])
      expect(await lib.get(record(2).cid)).toEqual(record(2, { role: 'downloaded', name: null, totalBytes: null }))
    })

    it('updates a record in place and deletes it', async () => {
      const lib = await makeLibrary()
      await lib.put(record(4))
      await lib.put(record(4, { seeding: false }))
      expect(await lib.list()).toHaveLength(1)
      expect((await lib.get(record(4).cid))?.seeding).toBe(false)
      await lib.delete(record(4).cid)
      expect(await lib.get(record(4).cid)).toBeUndefined()
      expect(await lib.list()).toEqual([])
    })
  })
}
