/**
 * A ChunkStore on disk: one file per chunk under `<dir>/chunks/<2 hex>/<hex id>`,
 * written to a temporary name and renamed, so a crash never leaves a torn
 * chunk under a real id. Keeps a running total of the bytes it holds, for
 * `--max-bytes`.
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { ChunkStore } from '../web/core/storage/chunk-store.js'
import { toHex } from '../web/core/util/bytes.js'

export interface DiskChunkStore extends ChunkStore {
  /** Bytes of all chunks held. */
  readonly usedBytes: number
}

/** Chunk writes in flight at once in putMany. */
const WRITE_CONCURRENCY = 8

export async function openDiskStore(dir: string): Promise<DiskChunkStore> {
  const root = join(dir, 'chunks')
  await mkdir(root, { recursive: true, mode: 0o700 })
  let used = await sizeOfTree(root)
  const pathOf = (id: Uint8Array) => {
    const hex = toHex(id)
    return { folder: join(root, hex.slice(0, 2)), file: join(root, hex.slice(0, 2), hex) }
  }
  const sizeOf = async (file: string) => (await stat(file).catch(() => null))?.size ?? null

  const store: DiskChunkStore = {
    get usedBytes() {
      return used
    },
    async put(id, bytes) {
      const { folder, file } = pathOf(id)
      await mkdir(folder, { recursive: true })
      const before = await sizeOf(file)
      const temp = `${file}.tmp-${randomBytes(6).toString('hex')}`
      await writeFile(temp, bytes)
      await rename(temp, file)
      used += bytes.length - (before ?? 0)
    },
    async putMany(entries) {
      for (let i = 0; i < entries.length; i += WRITE_CONCURRENCY) {
        await Promise.all(entries.slice(i, i + WRITE_CONCURRENCY).map(([id, bytes]) => store.put(id, bytes)))
      }
    },
    async get(id) {
      try {
        return new Uint8Array(await readFile(pathOf(id).file))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    async has(id) {
      return (await sizeOf(pathOf(id).file)) !== null
    },
    async hasMany(ids) {
      return Promise.all(ids.map((id) => store.has(id)))
    },
    async delete(id) {
      const { file } = pathOf(id)
      const size = await sizeOf(file)
      if (size === null) return
      await rm(file, { force: true })
      used -= size
    },
    async close() {},
  }
  return store
}

async function sizeOfTree(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += await sizeOfTree(path)
    else if (entry.name.includes('.tmp-')) await rm(path, { force: true }) // left by a crash mid-write
    else total += (await stat(path)).size
  }
  return total
}
