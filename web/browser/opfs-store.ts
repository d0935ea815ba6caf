/**
 * A ChunkStore whose bytes live in the Origin Private File System, written
 * and read with sync access handles in a dedicated worker (opfs-worker.ts):
 * the page only posts messages. Each put copies the caller's bytes into a
 * buffer of their own and transfers that buffer (the caller may reuse its
 * bytes, and a view never drags a larger buffer along); each get receives a
 * buffer the worker transferred.
 *
 * Layout, under one root directory (`swarmdrop-chunks`):
 *   <hex drop id>/<hex chunk id>            one file per chunk, exactly its bytes
 *   <hex drop id>/<hex chunk id>.<uuid>.part   a chunk being written
 * A drop's directory is what it holds, so drops are apart by construction:
 * deleting a drop removes its directory and nothing else, moving one renames
 * its files into the other's. A chunk two drops hold is stored twice (only a
 * crafted drop lists another's pieces). A chunk is written under a `.part`
 * name and renamed once whole, so has() never reports a chunk a crash cut
 * short; a leftover `.part` goes with its drop. Files are not flushed
 * (fsync) before the rename: that halved the write rate, and a sealed piece
 * that an OS crash cut short fails authentication when read, as it would
 * from IndexedDB, whose Chromium transactions are not flushed either.
 *
 * Why one file per chunk: measured in Chromium 156 on this machine (256 MiB
 * of 1 MiB and 4 MiB values), appending to one file per drop wrote 330–650
 * MiB/s against 70–160 MiB/s for a file per chunk renamed into place (30–160
 * with a flush before the rename), but it needs an index of
 * offsets kept consistent with the bytes, compaction after overwrites, merges
 * that copy bytes, and one long-lived exclusive handle per drop that a second
 * tab could not open. In a Playwright context (in-memory OPFS, what the
 * benchmarks and e2e tests use) both ran at 30–40 MiB/s. A file per chunk
 * needs none of that, and the worker writes a batch's files in parallel.
 */
import type { ChunkStore, DropChunks } from '../core/storage/chunk-store.js'
import { toHex } from '../core/util/bytes.js'
import type { OpfsOp, OpfsReply } from './opfs-protocol.js'

export const DEFAULT_OPFS_ROOT = 'swarmdrop-chunks'

/** Opening gives up on a worker that has not answered in this long (one that fails to load reports an error sooner). */
const OPEN_TIMEOUT_MS = 10_000

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void }

function hexId(id: Uint8Array, what: string): string {
  if (!(id instanceof Uint8Array) || id.length !== 32) {
    throw new RangeError(`a ${what} id must be 32 bytes, got ${id instanceof Uint8Array ? id.length : typeof id}`)
  }
  return toHex(id)
}

function workerError(name: string, message: string): Error {
  const error = new Error(message)
  error.name = name
  return error
}

/**
 * Starts the worker and checks, inside it, that OPFS and sync access handles
 * work here; resolves undefined where they do not (no OPFS on the page, no
 * sync handles in workers, a private window that refuses files), so the
 * caller keeps the IndexedDB store.
 */
export async function openOpfsChunkStore(root = DEFAULT_OPFS_ROOT): Promise<ChunkStore | undefined> {
  if (typeof navigator.storage?.getDirectory !== 'function' || typeof Worker === 'undefined') return undefined
  const worker = new Worker(new URL('./opfs-worker.ts', import.meta.url), { type: 'module', name: 'swarmdrop-opfs' })
  const pending = new Map<number, Pending>()
  let seq = 0
  let broken: Error | undefined
  let closed = false
  /** The last request posted: the worker answers in order, so once it settles every earlier one has. */
  let last: Promise<unknown> = Promise.resolve()

  const fail = (error: Error) => {
    broken ??= error
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  worker.onmessage = (event: MessageEvent<OpfsReply>) => {
    const reply = event.data
    const p = pending.get(reply.seq)
    pending.delete(reply.seq)
    if (reply.ok) p?.resolve(reply.value)
    else p?.reject(workerError(reply.name, reply.message))
  }
  worker.onerror = (event) => {
    event.preventDefault()
    fail(new Error(`the OPFS worker failed: ${event.message || 'it could not start'}`))
  }

  /** Posts a request; `buffers` are transferred, so the caller must own them. */
  const call = <T>(op: OpfsOp, buffers: ArrayBuffer[] = []): Promise<T> => {
    if (closed) return Promise.reject(new Error('the OPFS store is closed'))
    if (broken) return Promise.reject(broken)
    const reply = new Promise<T>((resolve, reject) => {
      const n = seq++
      pending.set(n, { resolve: resolve as (value: unknown) => void, reject })
      worker.postMessage({ ...op, seq: n }, buffers)
    })
    last = reply.catch(() => {})
    return reply
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      call({ op: 'open', root }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('the OPFS worker did not answer')), OPEN_TIMEOUT_MS)
      }),
    ])
  } catch {
    worker.terminate()
    return undefined
  } finally {
    clearTimeout(timer)
  }

  const putMany = async (drop: string, entries: readonly (readonly [Uint8Array, Uint8Array])[]) => {
    const chunks = entries.map(([id]) => hexId(id, 'chunk'))
    const buffers = entries.map(([, bytes]) => bytes.slice().buffer)
    await call({ op: 'put', drop, chunks, buffers }, buffers)
  }
  const hasMany = (drop: string, ids: readonly Uint8Array[]) =>
    call<boolean[]>({ op: 'has', drop, chunks: ids.map((id) => hexId(id, 'chunk')) })

  return {
    drop(dropId): DropChunks {
      const drop = hexId(dropId, 'drop')
      return {
        put: (id, bytes) => putMany(drop, [[id, bytes]]),
        putMany: (entries) => putMany(drop, entries),
        async get(id) {
          const buffer = await call<ArrayBuffer | null>({ op: 'get', drop, chunk: hexId(id, 'chunk') })
          return buffer ? new Uint8Array(buffer) : undefined
        },
        has: async (id) => (await hasMany(drop, [id]))[0],
        hasMany: async (ids) => hasMany(drop, ids),
      }
    },
    deleteDrop: async (dropId) => call({ op: 'deleteDrop', drop: hexId(dropId, 'drop') }),
    moveDrop: async (from, to) => call({ op: 'moveDrop', from: hexId(from, 'drop'), to: hexId(to, 'drop') }),
    async close() {
      if (closed) return
      closed = true
      await last // requests already posted finish
      worker.terminate()
      fail(new Error('the OPFS store is closed'))
    },
  }
}
