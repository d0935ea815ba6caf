/**
 * The page's side of a save through the download service worker
 * (format/save-protocol.ts): answers the worker's pulls with each file's
 * bytes as the drop's pieces are verified (Drop.readFile waits for them and
 * puts them first in line), and tells the worker it is still here while the
 * save is open. One piece per answer, decrypted here and transferred, never
 * copied; what is in flight is the worker's pull and the read-ahead of
 * assemble.ts, whatever the file's size.
 */
import type { FileSpan } from '../core/content/metadata.js'
import type { Drop } from '../core/drop.js'
import { randomBytes } from '../core/util/bytes.js'
import { toBase64Url } from '../../format/bytes.js'
import {
  SAVE_KEEPALIVE_MS,
  SAVE_PATH,
  type SaveKeepalive,
  type SavePageMessage,
  type SaveRequest,
  type SaveWorkerMessage,
} from '../../format/save-protocol.js'

/** How long the worker has to take a save request. */
const READY_TIMEOUT_MS = 5_000
/** The download has long started (it continues without the frame) when the frame is removed. */
const SAVE_FRAME_LIFETIME_MS = 120_000

/**
 * Starts the browser's download of `files` through `worker`. Resolves null if
 * the worker did not take the request (the caller saves another way), else
 * with a promise that settles when the last byte was handed over, or the
 * reason it could not be.
 */
export async function startWorkerSave(
  worker: ServiceWorker,
  drop: Drop,
  files: FileSpan[],
  name: string,
): Promise<{ finished: Promise<void> } | null> {
  const id = toBase64Url(randomBytes(16))
  const channel = new MessageChannel()
  const save = new WorkerSave(worker, drop, files, id, channel.port1)
  const request: SaveRequest = { type: 'save', id, files, name }
  worker.postMessage(request, [channel.port2])
  if (!(await save.ready)) return null
  // A hidden iframe per save: each download is its own navigation, so saving several at once
  // does not cancel the one before (a click on a link would reuse the page's navigation).
  const frame = document.createElement('iframe')
  frame.hidden = true
  frame.src = SAVE_PATH + id
  document.body.append(frame)
  setTimeout(() => frame.remove(), SAVE_FRAME_LIFETIME_MS)
  return { finished: save.finished }
}

class WorkerSave {
  /** Whether the worker took the request in time. */
  readonly ready: Promise<boolean>
  readonly finished: Promise<void>
  readonly #drop: Drop
  readonly #files: FileSpan[]
  readonly #port: MessagePort
  readonly #readers = new Map<number, AsyncGenerator<Uint8Array>>()
  readonly #ended = new Set<number>()
  readonly #stop = new AbortController()
  #onReady!: (ready: boolean) => void
  #settle!: (error: Error | null) => void
  #keepalive: ReturnType<typeof setInterval> | undefined

  constructor(worker: ServiceWorker, drop: Drop, files: FileSpan[], id: string, port: MessagePort) {
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
    this.finished = new Promise((resolve, reject) => {
      this.#settle = (error) => (error ? reject(error) : resolve())
    })
    this.finished.catch(() => {}) // a save nobody awaits must not count as unhandled
    void this.ready.then((ready) => {
      if (!ready) return this.#end(null)
      const keepalive: SaveKeepalive = { type: 'keepalive', id }
      this.#keepalive = setInterval(() => worker.postMessage(keepalive), SAVE_KEEPALIVE_MS)
      // Closed or reloaded: the download fails now rather than after the worker's silence timeout.
      addEventListener('pagehide', this.#onPageHide)
    })
    port.onmessage = (event) => this.#onMessage(event.data as SaveWorkerMessage)
  }

  readonly #onPageHide = () => this.#fail(new Error('the page was closed or reloaded; open the link again to resume'))

  #onMessage(message: SaveWorkerMessage): void {
    if (message.type === 'ready') this.#onReady(true)
    else if (message.type === 'pull') void this.#answer(message.file)
    else if (message.type === 'cancel') this.#end(null) // the download was cancelled: nothing to report
  }

  async #answer(index: number): Promise<void> {
    const file = this.#files.find((f) => f.index === index)
    if (!file) return this.#fail(new Error(`file ${index} is not part of this save`))
    let reader = this.#readers.get(index)
    if (!reader) this.#readers.set(index, (reader = this.#drop.readFile(file, this.#stop.signal)))
    try {
      const next = await reader.next()
      if (next.done) {
        this.#send({ type: 'end', file: index })
        this.#ended.add(index)
        if (this.#ended.size === this.#files.length) this.#end(null)
      } else {
        const bytes = ownBuffer(next.value)
        this.#send({ type: 'bytes', file: index, bytes }, [bytes])
      }
    } catch (err) {
      if (!this.#stop.signal.aborted) this.#fail(err instanceof Error ? err : new Error(String(err)))
    }
  }

  #fail(error: Error): void {
    this.#send({ type: 'error', message: error.message })
    this.#end(error)
  }

  #send(message: SavePageMessage, transfer: Transferable[] = []): void {
    if (!this.#stop.signal.aborted) this.#port.postMessage(message, transfer)
  }

  #end(error: Error | null): void {
    if (this.#stop.signal.aborted) return
    this.#stop.abort()
    clearInterval(this.#keepalive)
    removeEventListener('pagehide', this.#onPageHide)
    this.#port.close()
    for (const reader of this.#readers.values()) void reader.return(undefined).catch(() => {})
    this.#settle(error)
  }
}

/** The bytes in a buffer of their own, to transfer: a piece's plaintext is, except at a file's ends. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
  return whole ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer)
}
