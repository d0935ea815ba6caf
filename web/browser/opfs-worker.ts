/// <reference lib="webworker" />
/**
 * The dedicated worker behind the OPFS chunk store (opfs-store.ts): piece
 * bytes are written and read here with sync access handles, off the page's
 * threads. Layout and the reasons for it are in opfs-store.ts.
 *
 * Requests run one at a time, in order (a request's own chunks are written
 * in parallel): so no two requests of this worker touch a file at once, and
 * the worker holds the bytes of one request, plus whatever the page has
 * posted and not yet had answered (its callers bound that: the batch writer
 * keeps two batches).
 */
import type { OpfsReply, OpfsRequest } from './opfs-protocol.js'

declare const self: DedicatedWorkerGlobalScope

/** Not yet in TypeScript's lib: Chromium ≥ 110 and Firefox ≥ 111 have both. */
interface MovableFileHandle extends FileSystemFileHandle {
  move(destination: FileSystemDirectoryHandle, name?: string): Promise<void>
  move(name: string): Promise<void>
  createSyncAccessHandle(options?: { mode?: 'readwrite' | 'read-only' }): Promise<FileSystemSyncAccessHandle>
}

const HEX_ID = /^[0-9a-f]{64}$/

/** Above this many ids, hasMany lists the drop's directory once instead of one lookup per id. */
const LIST_ABOVE = 16

let root: FileSystemDirectoryHandle | undefined

const isNotFound = (err: unknown) => err instanceof DOMException && err.name === 'NotFoundError'

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !HEX_ID.test(name)) throw new TypeError('an id must be 64 hex digits')
  return name
}

async function dropDir(drop: string, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  if (!root) throw new Error('the OPFS store is not open')
  try {
    return await root.getDirectoryHandle(checkName(drop), { create })
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

/** Checks the platform can do what the store needs, creating the store's root directory. */
async function open(name: string): Promise<void> {
  if (typeof FileSystemFileHandle === 'undefined' || !('createSyncAccessHandle' in FileSystemFileHandle.prototype)) {
    throw new Error('this browser has no sync access handles in workers')
  }
  if (!('move' in FileSystemFileHandle.prototype)) throw new Error('this browser cannot move OPFS files')
  const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(name, { create: true })
  // Private windows may list OPFS and refuse to open files in it (WebKitGTK: UnknownError).
  const probe = (await dir.getFileHandle('probe.part', { create: true })) as MovableFileHandle
  ;(await probe.createSyncAccessHandle()).close()
  await dir.removeEntry('probe.part')
  root = dir
}

/**
 * Writes each chunk to a temporary name and renames it into place once all
 * its bytes are written, so a crash mid-write leaves only a `.part` file,
 * which no read sees and which goes with its drop.
 */
async function put(drop: string, chunks: readonly string[], buffers: readonly ArrayBuffer[]): Promise<void> {
  chunks.forEach(checkName)
  if (chunks.length !== buffers.length) throw new TypeError('one buffer per chunk')
  if (chunks.length === 0) return
  const dir = (await dropDir(drop, true))!
  await Promise.all(
    chunks.map(async (chunk, i) => {
      const temp = `${chunk}.${crypto.randomUUID()}.part`
      const file = (await dir.getFileHandle(temp, { create: true })) as MovableFileHandle
      const handle = await file.createSyncAccessHandle()
      try {
        const written = handle.write(new Uint8Array(buffers[i]), { at: 0 })
        if (written !== buffers[i].byteLength) throw new Error(`short write: ${written} of ${buffers[i].byteLength} bytes`)
      } finally {
        handle.close()
      }
      await file.move(chunk)
    }),
  )
}

async function get(drop: string, chunk: string): Promise<ArrayBuffer | null> {
  checkName(chunk)
  const dir = await dropDir(drop, false)
  if (!dir) return null
  let file: MovableFileHandle
  try {
    file = (await dir.getFileHandle(chunk)) as MovableFileHandle
  } catch (err) {
    if (isNotFound(err)) return null
    throw err
  }
  const handle = await file.createSyncAccessHandle({ mode: 'read-only' })
  try {
    const buffer = new ArrayBuffer(handle.getSize())
    const read = handle.read(new Uint8Array(buffer), { at: 0 })
    if (read !== buffer.byteLength) throw new Error(`short read: ${read} of ${buffer.byteLength} bytes`)
    return buffer
  } finally {
    handle.close()
  }
}

async function has(drop: string, chunks: readonly string[]): Promise<boolean[]> {
  chunks.forEach(checkName)
  const dir = await dropDir(drop, false)
  if (!dir || chunks.length === 0) return chunks.map(() => false)
  if (chunks.length > LIST_ABOVE) {
    const names = new Set<string>()
    for await (const name of dir.keys()) names.add(name)
    return chunks.map((c) => names.has(c))
  }
  return Promise.all(
    chunks.map((c) =>
      dir.getFileHandle(c).then(
        () => true,
        (err) => (isNotFound(err) ? false : Promise.reject(err)),
      ),
    ),
  )
}

async function deleteDrop(drop: string): Promise<void> {
  checkName(drop)
  try {
    await root!.removeEntry(drop, { recursive: true })
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}

/** Moves each chunk file into `to` (a chunk `to` holds already is the same bytes: its id is their hash), then removes `from`. */
async function moveDrop(from: string, to: string): Promise<void> {
  checkName(to)
  if (from === to) return
  const source = await dropDir(from, false)
  if (!source) return
  const target = (await dropDir(to, true))!
  const held = new Set<string>()
  for await (const name of target.keys()) held.add(name)
  for await (const [name, entry] of source.entries()) {
    if (entry.kind === 'file' && HEX_ID.test(name) && !held.has(name)) await (entry as MovableFileHandle).move(target)
  }
  await deleteDrop(from)
}

function run(request: OpfsRequest): Promise<unknown> {
  switch (request.op) {
    case 'open':
      return open(request.root)
    case 'put':
      return put(request.drop, request.chunks, request.buffers)
    case 'get':
      return get(request.drop, request.chunk)
    case 'has':
      return has(request.drop, request.chunks)
    case 'deleteDrop':
      return deleteDrop(request.drop)
    case 'moveDrop':
      return moveDrop(request.from, request.to)
  }
}

let queue: Promise<void> = Promise.resolve()

self.onmessage = (event: MessageEvent<OpfsRequest>) => {
  const request = event.data
  queue = queue.then(async () => {
    let reply: OpfsReply
    try {
      reply = { seq: request.seq, ok: true, value: await run(request) }
    } catch (err) {
      const { name, message } = err instanceof Error ? err : new Error(String(err))
      reply = { seq: request.seq, ok: false, name, message }
    }
    self.postMessage(reply, reply.ok && reply.value instanceof ArrayBuffer ? [reply.value] : [])
  })
}
