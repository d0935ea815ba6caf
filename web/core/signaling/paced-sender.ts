/**
 * Paces a client's text messages under the server's per-connection rate
 * (the server disconnects clients that keep exceeding it). Announces and
 * lookups are bulk: one per kind and CID waits at a time, behind everything
 * else, so a peer holding a thousand drops neither floods the server nor
 * delays a WebRTC signal by a thousand lookups.
 *
 * Binary relay frames are not paced (the server meters their bytes), but they
 * must not overtake the text sent before them: a relay-open has to reach the
 * other peer before the relayed HELLO that follows it. A frame therefore goes
 * out at once only when no urgent text waits, else in line behind it.
 */
import type { ClientMessage } from '../../../protocol/signal.js'
import { type Clock, type TimerId, realClock } from '../util/clock.js'

export type OutgoingMessage =
  | {
      text: string
      /** Binary messages that must follow the text directly (a tombstone's manifest parts). */
      binary?: Uint8Array[]
    }
  | { frame: Uint8Array }

export class PacedSender {
  #urgent: OutgoingMessage[] = []
  /** `${type}|${cid}` → message; insertion order is the order they go out. */
  #bulk = new Map<string, OutgoingMessage>()
  #tokens: number
  #tokensAt: number
  #timer: TimerId | undefined
  #rate: number
  #framesWaiting = 0

  constructor(
    private readonly deliver: (message: OutgoingMessage) => void,
    messagesPerSecond: number,
    private readonly clock: Clock = realClock,
  ) {
    this.#rate = messagesPerSecond
    this.#tokens = messagesPerSecond
    this.#tokensAt = clock.now()
  }

  /** The rate to keep to: a margin under the server's, which lets bursts of twice its rate through. */
  setRate(messagesPerSecond: number): void {
    this.#rate = Math.max(1, messagesPerSecond)
  }

  get queued(): number {
    return this.#urgent.length + this.#bulk.size
  }

  /** Relay frames waiting behind text: the relay's backpressure counts them. */
  get framesWaiting(): number {
    return this.#framesWaiting
  }

  /** A binary frame, in order with the urgent text before it; it takes no share of the message rate. */
  pushFrame(frame: Uint8Array): void {
    if (this.#urgent.length === 0) return this.deliver({ frame })
    this.#urgent.push({ frame })
    this.#framesWaiting++
  }

  push(message: ClientMessage, binary?: Uint8Array[]): void {
    const out: OutgoingMessage = { text: JSON.stringify(message), binary }
    if (message.type === 'announce' || message.type === 'lookup') this.#bulk.set(`${message.type}|${message.cid}`, out)
    else this.#urgent.push(out)
    this.#pump()
  }

  /**
   * The connection is gone: what was queued is moot (announces are replayed
   * on reconnect). The server meters each connection afresh, so the next one
   * starts with a full budget and its hello goes out at once.
   */
  clear(): void {
    this.#urgent = []
    this.#bulk.clear()
    this.#framesWaiting = 0
    this.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#tokens = this.#rate
    this.#tokensAt = this.clock.now()
  }

  #pump(): void {
    if (this.#timer !== undefined) return
    const now = this.clock.now()
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#tokensAt) * this.#rate) / 1000)
    this.#tokensAt = now
    while (this.queued > 0) {
      const next = this.#urgent[0]
      if (next && 'frame' in next) {
        this.#urgent.shift()
        this.#framesWaiting--
        this.deliver(next)
        continue
      }
      if (this.#tokens < 1) break
      this.#tokens--
      this.deliver(this.#urgent.shift() ?? this.#takeBulk())
    }
    if (this.queued > 0) {
      this.#timer = this.clock.setTimeout(
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
