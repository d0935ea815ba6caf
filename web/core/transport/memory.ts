/**
 * Two connected in-memory Connections. Delivery is asynchronous (a macrotask
 * per frame, or a timed link with a byte rate) so tests see the same ordering
 * hazards as a real channel. For tests and in-process peers.
 */
import { ConnectionEventSource } from './connection-events.js'
import type { Connection } from './transport.js'

export interface MemoryLinkOptions {
  /** Buffered bytes above which send() returns false. */
  highWaterMark?: number
  /** Simulated link rate in bytes per second, per direction; unlimited by default. */
  bytesPerSecond?: number
}

class MemoryConnection implements Connection {
  readonly kind = 'memory' as const
  readonly source = new ConnectionEventSource()
  readonly events = this.source.events
  closed = false
  peer!: MemoryConnection
  #buffered = 0
  #queue: Uint8Array[] = []
  #pumping = false

  constructor(
    readonly remotePeer: string,
    private readonly options: Required<MemoryLinkOptions>,
  ) {}

  send(frame: Uint8Array): boolean {
    if (this.closed) throw new Error('connection is closed')
    this.#queue.push(frame.slice())
    this.#buffered += frame.length
    this.#pump()
    return this.#buffered <= this.options.highWaterMark
  }

  #pump(): void {
    if (this.#pumping) return
    this.#pumping = true
    const step = () => {
      const frame = this.#queue.shift()
      if (!frame || this.closed) {
        this.#pumping = false
        return
      }
      const delay = Number.isFinite(this.options.bytesPerSecond) ? (frame.length / this.options.bytesPerSecond) * 1000 : 0
      setTimeout(() => {
        if (this.closed) return
        const wasFull = this.#buffered > this.options.highWaterMark
        this.#buffered -= frame.length
        this.peer.source.message(frame)
        if (wasFull && this.#buffered <= this.options.highWaterMark) this.source.drain()
        step()
      }, delay)
    }
    step()
  }

  close(reason: string): void {
    this.#shut(reason, true)
    this.peer.#shut(reason, false)
  }

  #shut(reason: string, local: boolean): void {
    if (this.closed) return
    this.closed = true
    this.#queue = []
    this.source.close(reason, local)
  }
}

/** Returns [the connection A holds (to B), the connection B holds (to A)]. */
export function memoryPair(idA: string, idB: string, options: MemoryLinkOptions = {}): [Connection, Connection] {
  const full = { highWaterMark: options.highWaterMark ?? 256 * 1024, bytesPerSecond: options.bytesPerSecond ?? Infinity }
  const a = new MemoryConnection(idB, full)
  const b = new MemoryConnection(idA, full)
  a.peer = b
  b.peer = a
  return [a, b]
}
