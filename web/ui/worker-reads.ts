/**
 * The page's side of the reads protocol (format/worker-protocol.ts): posts
 * a save (or, later, a media file) to the download service worker with a
 * MessagePort, answers the worker's pulls with the bytes of the page's files
 * as the drop's pieces are verified (Drop.readFile waits for them and puts
 * them first in line), and tells the worker it is still here while open.
 * One piece per answer, decrypted here and transferred, never copied; what
 * is in flight per read is the worker's pull and assemble.ts's read-ahead,
 * whatever the file's size.
 */
import type { FileSpan } from '../core/content/metadata.js'
import type { Drop } from '../core/drop.js'
import { randomBytes } from '../core/util/bytes.js'
import { toBase64Url } from '../../format/bytes.js'
import {
  KEEPALIVE_MS,
  type Keepalive,
  MEDIA_PATH,
  type MediaRequest,
  type PageMessage,
  SAVE_PATH,
  type SaveRequest,
  type WorkerMessage,
} from '../../format/worker-protocol.js'

/** How long the worker has to take a request. */
const READY_TIMEOUT_MS = 5_000
/** The download has long started (it continues without the frame) when the frame is removed. */
const SAVE_FRAME_LIFETIME_MS = 120_000

/**
 * Starts the browser's download of `files` through `worker`. Resolves null if
 * the worker did not take the request (the caller saves another way), else
 * with a promise that settles when the worker has read the last byte, or
 * with the reason it could not.
 */
export async function startWorkerSave(
  worker: ServiceWorker,
  drop: Drop,
  files: FileSpan[],
  name: string,
): Promise<{ finished: Promise<void> } | null> {
  const id = toBase64Url(randomBytes(16))
  const reads = await post(worker, drop, files, { type: 'save', id, files, name })
  if (!reads) return null
  // A hidden iframe per save: each download is its own navigation, so saving several at once
  // does not cancel the one before (a click on a link would reuse the page's navigation).
  const frame = document.createElement('iframe')
  frame.hidden = true
  frame.src = SAVE_PATH + id
  document.body.append(frame)
  setTimeout(() => frame.remove(), SAVE_FRAME_LIFETIME_MS)
  return { finished: reads.closed }
}

/**
 * Makes `file` playable at a same-origin URL the worker answers with ranges
 * (a media element's src) while the page is open and until `close`.
 * Resolves null if the worker did not take the request.
 */
export async function startWorkerMedia(worker: ServiceWorker, drop: Drop, file: FileSpan): Promise<{ src: string; close(): void } | null> {
  const id = toBase64Url(randomBytes(16))
  const reads = await post(worker, drop, [file], { type: 'media', id, file })
  return reads && { src: MEDIA_PATH + id, close: () => reads.close('the player was closed') }
}

/** Posts `request` with a new port; the reads answering it once the worker took it, or null. */
async function post(worker: ServiceWorker, drop: Drop, files: FileSpan[], request: SaveRequest | MediaRequest): Promise<FileReads | null> {
  const channel = new MessageChannel()
  const reads = new FileReads(worker, drop, files, request, channel.port1)
  worker.postMessage(request, [channel.port2])
  return (await reads.ready) ? reads : null
}

/** Answers one port's reads of `files` from the drop until the worker closes it or the page goes. */
class FileReads {
  /** Whether the worker took the request in time. */
  readonly ready: Promise<boolean>
  /** Settles when the worker says nothing more will be read: rejects with its reason, if any. */
  readonly closed: Promise<void>
  readonly #drop: Drop
  readonly #files: FileSpan[]
  readonly #port: MessagePort
  /** Open reads by id, each with its own abort: a cancelled read's waits for pieces end at once (they are bounded per swarm). */
  readonly #readers = new Map<number, { reader: AsyncGenerator<Uint8Array>; stop: AbortController }>()
  readonly #stop = new AbortController()
  #onReady!: (ready: boolean) => void
  #settle!: (error: Error | null) => void
  #keepalive: ReturnType<typeof setInterval> | undefined

  /** A player's reads: they have the swarm's priority window before a save's (Drop.readFile). */
  readonly #playing: boolean

  constructor(worker: ServiceWorker, drop: Drop, files: FileSpan[], request: SaveRequest | MediaRequest, port: MessagePort) {
    const id = request.id
    this.#playing = request.type === 'media'
    this.#drop = drop
    this.#files = files
    this.#port = port
    this.ready = new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)
      this.#onReady = (ready) => {
        clearTimeout(timer)
        resolve(ready)
      }
    })
    this.closed = new Promise((resolve, reject) => {
      this.#settle = (error) => (error ? reject(error) : resolve())
    })
    this.closed.catch(() => {}) // reads nobody awaits must not count as unhandled
    void this.ready.then((ready) => {
      if (!ready) return this.#end(null)
      const keepalive: Keepalive = { type: 'keepalive', id }
      this.#keepalive = setInterval(() => worker.postMessage(keepalive), KEEPALIVE_MS)
      // Closed or reloaded: what the worker reads fails now rather than after its silence timeout.
      addEventListener('pagehide', this.#onPageHide)
    })
    port.onmessage = (event) => this.#onMessage(event.data as WorkerMessage)
  }

  readonly #onPageHide = () => this.close('the page was closed or reloaded; open the link again to resume')

  /** No more reads: the worker fails any under way with `why`. */
  close(why: string): void {
    this.#send({ type: 'gone', message: why })
    this.#end(new Error(why))
  }

  #onMessage(message: WorkerMessage): void {
    if (message.type === 'ready') this.#onReady(true)
    else if (message.type === 'pull') void this.#answer(message)
    else if (message.type === 'cancel') this.#forget(message.read)
    else if (message.type === 'close') this.#end(message.error ? new Error(message.error) : null)
  }

  async #answer({ read, file: index, start, end }: WorkerMessage & { type: 'pull' }): Promise<void> {
    let open = this.#readers.get(read)
    if (!open) {
      const file = this.#files.find((f) => f.index === index)
      if (!file) return this.#send({ type: 'error', read, message: `file ${index} is not one of these` })
      const stop = new AbortController()
      open = { reader: this.#drop.readFile(file, stop.signal, { start, end }, this.#playing), stop }
      this.#readers.set(read, open)
    }
    try {
      const next = await open.reader.next()
      if (next.done) {
        this.#readers.delete(read)
        this.#send({ type: 'end', read })
      } else {
        const bytes = ownBuffer(next.value)
        this.#send({ type: 'bytes', read, bytes }, [bytes])
      }
    } catch (err) {
      if (open.stop.signal.aborted) return // cancelled: nobody waits for an answer
      this.#readers.delete(read)
      this.#send({ type: 'error', read, message: err instanceof Error ? err.message : String(err) })
    }
  }

  #forget(read: number): void {
    const open = this.#readers.get(read)
    this.#readers.delete(read)
    open?.stop.abort()
    void open?.reader.return(undefined).catch(() => {})
  }

  #send(message: PageMessage, transfer: Transferable[] = []): void {
    if (!this.#stop.signal.aborted) this.#port.postMessage(message, transfer)
  }

  #end(error: Error | null): void {
    if (this.#stop.signal.aborted) return
    this.#stop.abort()
    clearInterval(this.#keepalive)
    removeEventListener('pagehide', this.#onPageHide)
    this.#port.close()
    for (const read of [...this.#readers.keys()]) this.#forget(read)
    this.#settle(error)
  }
}

/** The bytes in a buffer of their own, to transfer: a piece's plaintext is, except at a file's ends. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
  return whole ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer)
}
