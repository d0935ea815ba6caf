/**
 * A ChunkStore on disk: one folder per drop, one file per chunk,
 * `<dir>/drops/<hex drop id>/<hex chunk id>`. A drop owns its folder, so
 * deleting a drop is deleting its folder and can touch no other drop's
 * bytes, and moving a drop (an ingest getting its CID) is one rename. Each
 * chunk is written to a temporary name and renamed, so a crash never leaves a
 * torn chunk under a real id. Keeps a running total of the bytes it holds,
 * for `--max-bytes`.
 *
 * Older versions kept every drop's chunks in one keyspace,
 * `<dir>/chunks/<2 hex>/<hex id>`. Given the drops its library holds, opening
 * such a store adopts it: each drop gets hard links to its manifest and the
 * pieces that manifest lists (no bytes are copied), then the old tree goes.
 */
import { link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { ChunkStore, DropChunks } from '../web/core/storage/chunk-store.js'
import { decodeManifest } from '../format/manifest.js'
import { toHex } from '../web/core/util/bytes.js'

export interface DiskChunkStore extends ChunkStore {
  /** Bytes of all chunks held. */
  readonly usedBytes: number
}

export interface DiskStoreOptions {
  /** The drops the library holds (CID digests): what a store in the older one-keyspace layout is adopted for. Without it such a store is left as it is. */
  heldDrops?: readonly Uint8Array[]
}

/** Chunk writes in flight at once in putMany. */
const WRITE_CONCURRENCY = 8

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT'
const statOrNull = (path: string) => stat(path).catch((err) => (missing(err) ? null : Promise.reject(err)))
/** Bytes a chunk file adds to the store, null if absent: a hard link shared with another drop (from an adopted store) adds none. */
const ownSize = async (file: string) => {
  const s = await statOrNull(file)
  return s === null ? null : s.nlink > 1 ? 0 : s.size
}

export async function openDiskStore(dir: string, options: DiskStoreOptions = {}): Promise<DiskChunkStore> {
  const root = join(dir, 'drops')
  await mkdir(root, { recursive: true, mode: 0o700 })
  if (options.heldDrops) await adoptSharedChunks(dir, root, options.heldDrops)
  let used = await sizeOfTree(root, new Set())
  const folderOf = (dropId: Uint8Array) => join(root, toHex(dropId))

  const store: DiskChunkStore = {
    get usedBytes() {
      return used
    },
    drop(dropId): DropChunks {
      const folder = folderOf(dropId)
      const fileOf = (id: Uint8Array) => join(folder, toHex(id))
      const view: DropChunks = {
        async put(id, bytes) {
          await mkdir(folder, { recursive: true })
          const file = fileOf(id)
          const before = await ownSize(file)
          const temp = `${file}.tmp-${randomBytes(6).toString('hex')}`
          await writeFile(temp, bytes)
          await rename(temp, file)
          used += bytes.length - (before ?? 0)
        },
        async putMany(entries) {
          for (let i = 0; i < entries.length; i += WRITE_CONCURRENCY) {
            await Promise.all(entries.slice(i, i + WRITE_CONCURRENCY).map(([id, bytes]) => view.put(id, bytes)))
          }
        },
        async get(id) {
          try {
            return new Uint8Array(await readFile(fileOf(id)))
          } catch (err) {
            if (missing(err)) return undefined
            throw err
          }
        },
        has: async (id) => (await ownSize(fileOf(id))) !== null,
        hasMany: (ids) => Promise.all(ids.map((id) => view.has(id))),
      }
      return view
    },
    async deleteDrop(dropId) {
      const folder = folderOf(dropId)
      for (const name of await readdir(folder).catch((err) => (missing(err) ? [] : Promise.reject(err)))) {
        const size = await ownSize(join(folder, name))
        await rm(join(folder, name), { force: true })
        if (!name.includes('.tmp-')) used -= size ?? 0
      }
      await rm(folder, { recursive: true, force: true })
    },
    async moveDrop(from, to) {
      const [source, target] = [folderOf(from), folderOf(to)]
      if (source === target) return
      const names = await readdir(source).catch((err) => (missing(err) ? null : Promise.reject(err)))
      if (names === null) return
      if ((await statOrNull(target)) === null) return rename(source, target)
      for (const name of names) {
        // The same chunk id in both: the same bytes; the copy already there stays.
        if ((await ownSize(join(target, name))) === null) await rename(join(source, name), join(target, name))
        else used -= (await ownSize(join(source, name))) ?? 0
      }
      await rm(source, { recursive: true, force: true })
    },
    async close() {},
  }
  return store
}

/** Bytes under `dir`, each file counted once however many links it has; removes writes torn by a crash. */
async function sizeOfTree(dir: string, seen: Set<string>): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += await sizeOfTree(path, seen)
    else if (entry.name.includes('.tmp-')) await rm(path, { force: true })
    else {
      const s = await stat(path)
      if (seen.has(`${s.dev}:${s.ino}`)) continue
      seen.add(`${s.dev}:${s.ino}`)
      total += s.size
    }
  }
  return total
}

/**
 * Adopts the older one-keyspace layout. Idempotent, so a crash part-way is
 * finished on the next open; the old tree is removed only at the end. A
 * manifest that lists another held drop's manifest as a piece was crafted
 * against it and gets nothing.
 */
async function adoptSharedChunks(dir: string, root: string, heldDrops: readonly Uint8Array[]): Promise<void> {
  const legacy = join(dir, 'chunks')
  if ((await statOrNull(legacy)) === null) return
  const legacyFile = (hex: string) => join(legacy, hex.slice(0, 2), hex)
  const pieceIds = new Map<string, string[]>()
  for (const drop of heldDrops.map(toHex)) {
    const bytes = await readFile(legacyFile(drop)).catch(() => null)
    if (!bytes) continue
    try {
      pieceIds.set(drop, decodeManifest(new Uint8Array(bytes)).pieceIds.map(toHex))
    } catch {
      // not a manifest: the engine will fetch the real one
    }
  }
  for (const [drop, ids] of pieceIds) {
    if (ids.some((id) => pieceIds.has(id))) continue
    await mkdir(join(root, drop), { recursive: true })
    for (const chunk of [drop, ...ids]) {
      await link(legacyFile(chunk), join(root, drop, chunk)).catch((err) => {
        const code = (err as NodeJS.ErrnoException).code
        if (code !== 'ENOENT' && code !== 'EEXIST') throw err
      })
    }
  }
  await rm(legacy, { recursive: true, force: true })
}
