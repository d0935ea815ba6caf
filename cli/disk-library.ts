/**
 * A LibraryStore in one JSON file, rewritten atomically (temporary file and
 * rename) on every change: a CLI peer holds tens or thousands of drops, not
 * millions, and each change is rare next to the piece traffic.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { DropRecord, LibraryStore } from '../web/core/library/library-store.js'

export async function openDiskLibrary(dir: string): Promise<LibraryStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, 'library.json')
  const records = new Map<string, DropRecord>()
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
    if (!Array.isArray(parsed)) throw new Error('not a list')
    for (const r of parsed as DropRecord[]) if (typeof r?.cid === 'string') records.set(r.cid, r)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${path} is not a Swarmdrop library: ${(err as Error).message}`)
  }
  // Writes are chained so two changes never interleave their files; one failed
  // write (a full disk) fails its caller, not every later one.
  let writing = Promise.resolve()
  const save = () => {
    const text = JSON.stringify([...records.values()], null, 1)
    const write = writing.catch(() => {}).then(async () => {
      // Owner-only: the file holds link secrets and revoke secrets.
      await writeFile(`${path}.tmp`, text, { mode: 0o600 })
      await rename(`${path}.tmp`, path)
    })
    writing = write
    return write
  }
  return {
    async list() {
      return [...records.values()].sort((a, b) => b.addedAt - a.addedAt)
    },
    async get(cid) {
      return records.get(cid)
    },
    async put(record) {
      records.set(record.cid, { ...record })
      await save()
    },
    async delete(cid) {
      if (records.delete(cid)) await save()
    },
  }
}
