/**
 * A LibraryStore in one JSON file: the memory library, written out atomically
 * (temporary file and rename) after every change. A CLI peer holds tens or
 * thousands of drops, not millions, and each change is rare next to the piece
 * traffic.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type DropRecord, type LibraryStore, memoryLibrary } from '../web/core/library/library-store.js'

export async function openDiskLibrary(dir: string): Promise<LibraryStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, 'library.json')
  const records = memoryLibrary()
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
    if (!Array.isArray(parsed)) throw new Error('not a list')
    for (const r of parsed as DropRecord[]) if (typeof r?.cid === 'string') await records.put(r)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${path} is not a Swarmdrop library: ${(err as Error).message}`)
  }
  // Writes are chained so two changes never interleave their files; one failed
  // write (a full disk) fails its caller, not every later one.
  let writing = Promise.resolve()
  const save = async () => {
    const text = JSON.stringify(await records.list(), null, 1)
    const write = writing
      .catch(() => {})
      .then(async () => {
        // Owner-only: the file holds link secrets and revoke secrets.
        await writeFile(`${path}.tmp`, text, { mode: 0o600 })
        await rename(`${path}.tmp`, path)
      })
    writing = write
    return write
  }
  return {
    list: () => records.list(),
    get: (cid) => records.get(cid),
    async put(record) {
      await records.put(record)
      await save()
    },
    async delete(cid) {
      if (!(await records.get(cid))) return
      await records.delete(cid)
      await save()
    },
  }
}
