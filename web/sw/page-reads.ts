/// <reference lib="webworker" />
/**
 * The worker's side of the reads protocol (format/worker-protocol.ts) over
 * one page's MessagePort: reads of byte ranges of the page's files, each
 * pulled one answer at a time so the consumer's pace (the download manager,
 * a video element) is the page's and nothing piles up here. A read gets
 * exactly the bytes it asked for or fails; when the page is gone every read
 * fails.
 */
import { type PageMessage, SILENCE_MS, type SaveFile, type WorkerMessage } from '../../format/worker-protocol.js'

declare const self: ServiceWorkerGlobalScope

interface Pull {
  resolve(bytes: Uint8Array | null): void
  reject(error: Error): void
}

export class PageReads {
  /** Called once, when the reads end in any way. */
  onClose: (() => void) | null = null
  readonly #port: MessagePort
  /** The page's client id: a page that was closed or reloaded is no longer among the worker's clients. */
  readonly #clientId: string | undefined
  /** The pull outstanding of each open read, by read id. */
  readonly #pulls = new Map<number, Pull>()
  #nextRead = 0
  #failure: Error | null = null
  #silence: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(port: MessagePort, clientId: string | undefined) {
    this.#port = port
    this.#clientId = clientId
    port.onmessage = (event) => this.#answer(event.data as PageMessage)
  }

  get closed(): boolean {
    return this.#closed
  }

  /** The page said it is still there. */
  heard(): void {
    clearTimeout(this.#silence)
    if (!this.#closed) this.#silence = setTimeout(() => void this.#checkPage(), SILENCE_MS)
  }

  /**
   * Bytes `start … end − 1` of `file` as the page gives them. Fails if the
   * page gives more or fewer, reports an error, or is gone; ending early
   * (the consumer stopped) tells the page to stop.
   */
  async *read(file: SaveFile, start: number, end: number): AsyncGenerator<Uint8Array> {
    const read = this.#nextRead++
    const wanted = end - start
    let received = 0
    let ended = false
    try {
      // Each answer brings at least one byte, so this ends after at most `wanted` answers.
      while (received < wanted) {
        const bytes = await this.#pull({ type: 'pull', read, file: file.index, start, end })
        if (!bytes) throw new Error(`the page ended ${file.path} after ${received} of ${wanted} bytes`)
        if (bytes.length === 0 || received + bytes.length > wanted) {
          throw new Error(`the page sent more than the ${wanted} bytes asked of ${file.path}`)
        }
        received += bytes.length
        yield bytes
      }
      ended = true
    } finally {
      this.#pulls.delete(read)
      if (!ended) this.#send({ type: 'cancel', read })
    }
  }

  /** Ends every read; `error` (if any) is why, for the page. */
  close(error?: string): void {
    if (this.#closed) return
    this.#send({ type: 'close', error })
    this.#closed = true
    clearTimeout(this.#silence)
    this.#fail(new Error(error ?? 'closed'))
    this.#port.close()
    this.onClose?.()
  }

  #pull(message: WorkerMessage & { type: 'pull' }): Promise<Uint8Array | null> {
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#pulls.set(message.read, { resolve, reject })
      this.heard()
      this.#send(message)
    })
  }

  #answer(message: PageMessage): void {
    this.heard()
    if (message?.type === 'gone') return this.close(typeof message.message === 'string' ? message.message : 'the page was closed')
    const pull = this.#pulls.get(message?.read)
    if (!pull) return // not an answer to a pull outstanding: ignored
    if (message.type === 'bytes' && message.bytes instanceof ArrayBuffer) {
      this.#pulls.delete(message.read)
      pull.resolve(new Uint8Array(message.bytes))
    } else if (message.type === 'end') {
      this.#pulls.delete(message.read)
      pull.resolve(null)
    } else if (message.type === 'error') {
      this.#pulls.delete(message.read)
      pull.reject(new Error(typeof message.message === 'string' ? message.message : 'the page could not read the file'))
    }
  }

  /** No word from the page for SILENCE_MS: a page still open may just be throttled in the background. */
  async #checkPage(): Promise<void> {
    const client = this.#clientId ? await self.clients.get(this.#clientId) : undefined
    if (client) this.heard()
    else this.close('the page reading this file was closed')
  }

  #fail(error: Error): void {
    this.#failure ??= error
    const pulls = [...this.#pulls.values()]
    this.#pulls.clear()
    for (const pull of pulls) pull.reject(this.#failure)
  }

  #send(message: WorkerMessage): void {
    if (!this.#closed) this.#port.postMessage(message)
  }
}

/**
 * A stream over `source` for a response body. When it ends, fails or is
 * cancelled, `done` is told (with why, unless it ended whole); cancelling
 * also stops the source, so the page stops reading.
 */
export function responseStream(
  source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  done: (error?: string) => void,
): ReadableStream<Uint8Array> {
  const next = iteratorOf(source)
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await next.read()
        if (chunk) controller.enqueue(chunk)
        else {
          controller.close()
          done()
        }
      } catch (err) {
        controller.error(err)
        done(err instanceof Error ? err.message : String(err))
      }
    },
    async cancel() {
      done('the download was cancelled')
      await next.stop()
    },
  })
}

/** One pull-style reader over an async iterable or a stream: resolves null at the end. */
function iteratorOf(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>) {
  if (source instanceof ReadableStream) {
    const reader = source.getReader()
    return {
      read: async () => {
        const { done, value } = await reader.read()
        return done ? null : value
      },
      stop: () => reader.cancel(),
    }
  }
  const iterator = source[Symbol.asyncIterator]()
  return {
    read: async () => {
      const { done, value } = await iterator.next()
      return done ? null : value
    },
    stop: async () => {
      await iterator.return?.()
    },
  }
}
