/// <reference lib="webworker" />
/**
 * The worker's side of one save (format/save-protocol.ts): pulls each file's
 * bytes from the page through the save's MessagePort, one answer per pull,
 * so the download manager's pace is the page's (nothing piles up here), and
 * fails the download when the page is gone.
 */
import { SAVE_SILENCE_MS, type SavePageMessage, type SaveRequest, type SaveWorkerMessage } from '../../format/save-protocol.js'

declare const self: ServiceWorkerGlobalScope

interface Pull {
  file: number
  resolve(bytes: Uint8Array | null): void
  reject(error: Error): void
}

export class PageReader {
  /** Called once, when the save ends in any way. */
  onClose: (() => void) | null = null
  readonly request: SaveRequest
  readonly #port: MessagePort
  /** The page's client id: a page that was closed or reloaded is no longer among the worker's clients. */
  readonly #clientId: string | undefined
  #pull: Pull | null = null
  #failure: Error | null = null
  #silence: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(request: SaveRequest, port: MessagePort, clientId: string | undefined) {
    this.request = request
    this.#port = port
    this.#clientId = clientId
    port.onmessage = (event) => this.#answer(event.data as SavePageMessage)
  }

  /** The page said it is still there. */
  heard(): void {
    clearTimeout(this.#silence)
    if (!this.#closed) this.#silence = setTimeout(() => void this.#checkPage(), SAVE_SILENCE_MS)
  }

  /** File `index`'s bytes as the page gives them; more than the file's size fails the save. */
  async *fileBytes(index: number): AsyncGenerator<Uint8Array> {
    const file = this.request.files.find((f) => f.index === index)
    if (!file) throw new Error(`file ${index} is not part of this save`)
    let received = 0
    // Each answer brings at least one byte, so this ends after at most file.size answers.
    for (;;) {
      const bytes = await this.#next(index)
      if (!bytes) break
      received += bytes.length
      if (bytes.length === 0 || received > file.size)
        throw this.#fail(new Error(`the page sent more than ${file.path}'s ${file.size} bytes`))
      yield bytes
    }
    if (received !== file.size) throw this.#fail(new Error(`the page ended ${file.path} after ${received} of ${file.size} bytes`))
  }

  /** A stream for the download manager over `source`; cancelling the download tells the page to stop. */
  stream(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const next = iteratorOf(source)
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const chunk = await next()
          if (chunk) controller.enqueue(chunk)
          else {
            controller.close()
            this.#close()
          }
        } catch (err) {
          controller.error(err)
          this.#send({ type: 'cancel' })
          this.#close()
        }
      },
      cancel: () => {
        this.#send({ type: 'cancel' })
        this.#close()
      },
    })
  }

  #next(file: number): Promise<Uint8Array | null> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (this.#pull) return Promise.reject(new Error('one pull at a time'))
    return new Promise((resolve, reject) => {
      this.#pull = { file, resolve, reject }
      this.heard()
      this.#send({ type: 'pull', file })
    })
  }

  #answer(message: SavePageMessage): void {
    this.heard()
    if (message?.type === 'error') {
      this.#fail(new Error(typeof message.message === 'string' ? message.message : 'the page could not read the file'))
      return
    }
    const pull = this.#pull
    if (!pull || message?.file !== pull.file) return // not an answer to the pull outstanding: ignored
    if (message.type === 'end') {
      this.#pull = null
      pull.resolve(null)
    } else if (message.type === 'bytes' && message.bytes instanceof ArrayBuffer) {
      this.#pull = null
      pull.resolve(new Uint8Array(message.bytes))
    }
  }

  /** No word from the page for SAVE_SILENCE_MS: a page still open may just be throttled in the background. */
  async #checkPage(): Promise<void> {
    const client = this.#clientId ? await self.clients.get(this.#clientId) : undefined
    if (client) this.heard()
    else this.#fail(new Error('the page saving this file was closed'))
  }

  #fail(error: Error): Error {
    this.#failure ??= error
    const pull = this.#pull
    this.#pull = null
    pull?.reject(this.#failure)
    return this.#failure
  }

  #send(message: SaveWorkerMessage): void {
    if (!this.#closed) this.#port.postMessage(message)
  }

  #close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#silence)
    this.#fail(new Error('the save has ended'))
    this.#port.close()
    this.onClose?.()
  }
}

/** One pull-style reader over an async iterable or a stream: resolves null at the end. */
function iteratorOf(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): () => Promise<Uint8Array | null> {
  if (source instanceof ReadableStream) {
    const reader = source.getReader()
    return async () => {
      const { done, value } = await reader.read()
      return done ? null : value
    }
  }
  const iterator = source[Symbol.asyncIterator]()
  return async () => {
    const { done, value } = await iterator.next()
    return done ? null : value
  }
}
