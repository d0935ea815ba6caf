/**
 * Paces a client's text messages under the server's per-connection rate
 * (the server disconnects clients that keep exceeding it). Announces and
 * lookups are bulk: one per kind and CID waits at a time, behind everything
 * else, so a peer holding a thousand drops neither floods the server nor
 * delays a WebRTC signal by a thousand lookups.
 */
import type { ClientMessage } from '../../../protocol/signal.js'

export interface OutgoingMessage {
  text: string
  /** Binary messages that must follow the text directly (a tombstone's manifest parts). */
  binary?: Uint8Array[]
}

export class PacedSender {
  #urgent: OutgoingMessage[] = []
  /** `${type}|${cid}` → message; insertion order is the order they go out. */
  #bulk = new Map<string, OutgoingMessage>()
  #tokens: number
  #tokensAt: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #rate: number

  constructor(
    private readonly deliver: (message: OutgoingMessage) => void,
    messagesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#rate = messagesPerSecond
    this.#tokens = messagesPerSecond
    this.#tokensAt = now()
  }

  /** The rate to keep to: a margin under the server's, which lets bursts of twice its rate through. */
  setRate(messagesPerSecond: number): void {
    this.#rate = Math.max(1, messagesPerSecond)
  }

  get queued(): number {
    return this.#urgent.length + this.#bulk.size
  }

  push(message: ClientMessage, binary?: Uint8Array[]): void {
    const out: OutgoingMessage = { text: JSON.stringify(message), binary }
    if (message.type === 'announce' || message.type === 'lookup') this.#bulk.set(`${message.type}|${message.cid}`, out)
    else this.#urgent.push(out)
    this.#pump()
  }

  /** The connection is gone: what was queued is moot (announces are replayed on reconnect). */
  clear(): void {
    this.#urgent = []
    this.#bulk.clear()
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #pump(): void {
    if (this.#timer !== undefined) return
    const now = this.now()
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#tokensAt) * this.#rate) / 1000)
    this.#tokensAt = now
    while (this.#tokens >= 1 && this.queued > 0) {
      this.#tokens--
      this.deliver(this.#urgent.shift() ?? this.#takeBulk())
    }
    if (this.queued > 0) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined
          this.#pump()
        },
        Math.ceil(((1 - this.#tokens) * 1000) / this.#rate),
      )
    }
  }

  #takeBulk(): OutgoingMessage {
    const [key, message] = this.#bulk.entries().next().value as [string, OutgoingMessage]
    this.#bulk.delete(key)
    return message
  }
}
