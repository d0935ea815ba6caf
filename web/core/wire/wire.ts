/**
 * One peer's end of the wire protocol, over one Connection. The only place
 * frames are encoded and decoded: everything above it calls methods and
 * listens to typed events.
 *
 * It owns what is per-peer and not a policy:
 * - the table of blocks we asked this peer for, with their timeouts: a BLOCK
 *   is delivered only when it answers one of them with the asked length, a
 *   REJECT only when it covers one; anything else is counted and dropped;
 * - the handshake order: HELLO first, once, within HELLO_TIMEOUT_MS;
 * - backpressure: every send returns false once the connection's buffer is
 *   past its high-water mark, `writable` says so, and 'drain' ends it;
 * - counters for the UI and the relay's bill.
 * Malformed frames close the connection with the reason.
 */
import type { Connection, LinkKind } from '../transport/transport.js'
import { type Clock, type TimerId, realClock } from '../util/clock.js'
import { Emitter } from '../util/emitter.js'
import { InvalidFrameError } from '../util/errors.js'
import { type Frame, decodeFrame, encodeFrame } from './codec.js'
import { HELLO_TIMEOUT_MS, REQUEST_BLOCK_BYTES, REQUEST_CHECK_MS, REQUEST_TIMEOUT_MS } from './constants.js'

export interface BlockRequest {
  piece: number
  offset: number
  length: number
}

export type Hello = Omit<Extract<Frame, { kind: 'hello' }>, 'kind'>
export type ManifestPart = Omit<Extract<Frame, { kind: 'manifest-part' }>, 'kind'>
export interface Block {
  piece: number
  offset: number
  data: Uint8Array
}

export interface WireEvents extends Record<string, unknown> {
  hello: Hello
  have: number
  /** The peer asks for bytes of a piece (possibly several blocks). */
  request: BlockRequest
  cancel: BlockRequest
  /** The peer will not send blocks we asked for; they are no longer outstanding. */
  reject: BlockRequest
  /** A block we asked for, with the length we asked for. */
  block: Block
  'manifest-request': number
  'manifest-part': ManifestPart
  tombstone: Uint8Array
  /**
   * Blocks that went unanswered too long: already cancelled and forgotten.
   * `rounds` counts such checks in a row with no block delivered in between.
   */
  timeout: { requests: BlockRequest[]; rounds: number }
  /** The connection's buffer fell below its high-water mark: sending may go on. */
  drain: undefined
  /** Emitted once, whichever side closed. */
  close: { reason: string; local: boolean }
}

export interface WireStats {
  /** Block bytes received (asked for or not) and sent. */
  bytesDown: number
  bytesUp: number
  /** Every frame's bytes, both ways (what a relay carries). */
  wireBytes: number
  requestsSent: number
  requestsReceived: number
  /** Blocks that answered nothing outstanding: cancelled, timed out, lost endgame races, or unasked. */
  unrequestedBlocks: number
  /** REJECTs that covered nothing outstanding. */
  ignoredRejects: number
  /** Blocks that timed out. */
  timedOut: number
}

export interface WireOptions {
  clock?: Clock
  requestTimeoutMs?: number
  helloTimeoutMs?: number
}

interface Outstanding extends BlockRequest {
  sentAt: number
}

const blockKey = (piece: number, offset: number) => `${piece}:${offset}`

export class Wire {
  readonly events = new Emitter<WireEvents>()
  readonly stats: WireStats = {
    bytesDown: 0,
    bytesUp: 0,
    wireBytes: 0,
    requestsSent: 0,
    requestsReceived: 0,
    unrequestedBlocks: 0,
    ignoredRejects: 0,
    timedOut: 0,
  }
  readonly #connection: Connection
  readonly #clock: Clock
  readonly #requestTimeoutMs: number
  readonly #outstanding = new Map<string, Outstanding>()
  #helloReceived = false
  #helloTimer: TimerId | undefined
  #checkTimer: TimerId | undefined
  #timeoutRounds = 0
  #writable = true

  constructor(connection: Connection, options: WireOptions = {}) {
    this.#connection = connection
    this.#clock = options.clock ?? realClock
    this.#requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS
    this.#helloTimer = this.#clock.setTimeout(() => this.fail('no HELLO in time'), options.helloTimeoutMs ?? HELLO_TIMEOUT_MS)
    connection.events.on('message', (message) => this.#onMessage(message))
    connection.events.on('drain', () => {
      this.#writable = true
      this.events.emit('drain', undefined)
    })
    connection.events.on('close', (info) => {
      this.#clock.clearTimeout(this.#helloTimer)
      this.#clock.clearInterval(this.#checkTimer)
      this.#outstanding.clear()
      this.events.emit('close', info)
    })
  }

  get remotePeer(): string {
    return this.#connection.remotePeer
  }

  get kind(): LinkKind {
    return this.#connection.kind
  }

  get closed(): boolean {
    return this.#connection.closed
  }

  /** False from a send that found the buffer full until 'drain'. */
  get writable(): boolean {
    return this.#writable && !this.closed
  }

  /** Blocks asked of this peer and not yet answered. */
  get outstanding(): number {
    return this.#outstanding.size
  }

  // --- sending: each returns false when the buffer is full (or the wire closed) --

  hello(hello: Hello): boolean {
    return this.#send({ kind: 'hello', ...hello })
  }

  have(piece: number): boolean {
    return this.#send({ kind: 'have', piece })
  }

  /** Asks for `length` bytes from `offset`: one frame, each REQUEST_BLOCK_BYTES block tracked and timed on its own. */
  request(piece: number, offset: number, length: number): boolean {
    if (this.closed) return false
    const sentAt = this.#clock.now()
    for (let at = offset; at < offset + length; at += REQUEST_BLOCK_BYTES) {
      this.#outstanding.set(blockKey(piece, at), { piece, offset: at, length: Math.min(REQUEST_BLOCK_BYTES, offset + length - at), sentAt })
    }
    this.#checkTimer ??= this.#clock.setInterval(() => this.#checkTimeouts(), REQUEST_CHECK_MS)
    this.stats.requestsSent++
    return this.#send({ kind: 'request', piece, offset, length })
  }

  /** Withdraws outstanding blocks in the range; sends CANCEL and returns true if there were any. */
  cancel(piece: number, offset: number, length: number): boolean {
    if (this.#take(piece, offset, length).length === 0) return false
    this.#send({ kind: 'cancel', piece, offset, length })
    return true
  }

  /** Stops expecting blocks of `piece` (or of every piece) without telling the peer. */
  forget(piece?: number): void {
    for (const [key, r] of this.#outstanding) if (piece === undefined || r.piece === piece) this.#outstanding.delete(key)
    this.#idle()
  }

  reject(request: BlockRequest): boolean {
    return this.#send({ kind: 'reject', ...request })
  }

  block(piece: number, offset: number, data: Uint8Array): boolean {
    this.stats.bytesUp += data.length
    return this.#send({ kind: 'block', piece, offset, data })
  }

  manifestRequest(offset: number): boolean {
    return this.#send({ kind: 'manifest-request', offset })
  }

  manifestPart(part: ManifestPart): boolean {
    return this.#send({ kind: 'manifest-part', ...part })
  }

  tombstone(secret: Uint8Array): boolean {
    return this.#send({ kind: 'tombstone', secret })
  }

  /** Sends CLOSE with the reason and closes the connection. Returns false for use in guards. */
  fail(reason: string): false {
    if (!this.closed) {
      this.#send({ kind: 'close', reason })
      this.#connection.close(reason)
    }
    return false
  }

  #send(frame: Frame): boolean {
    if (this.closed) return false
    const bytes = encodeFrame(frame)
    this.stats.wireBytes += bytes.length
    if (this.#connection.send(bytes)) return true
    this.#writable = false
    return false
  }

  // --- receiving ----------------------------------------------------------

  #onMessage(message: Uint8Array): void {
    if (this.closed) return
    this.stats.wireBytes += message.length
    let frame: Frame
    try {
      frame = decodeFrame(message)
    } catch (err) {
      if (err instanceof InvalidFrameError) return void this.fail(`malformed frame: ${err.message}`)
      throw err
    }
    if (!this.#helloReceived && frame.kind !== 'hello' && frame.kind !== 'close') return void this.fail(`sent ${frame.kind} before HELLO`)
    switch (frame.kind) {
      case 'hello': {
        if (this.#helloReceived) return void this.fail('sent HELLO twice')
        this.#helloReceived = true
        this.#clock.clearTimeout(this.#helloTimer)
        const { kind: _, ...hello } = frame
        return this.events.emit('hello', hello)
      }
      case 'have':
        return this.events.emit('have', frame.piece)
      case 'request':
        this.stats.requestsReceived++
        return this.events.emit('request', { piece: frame.piece, offset: frame.offset, length: frame.length })
      case 'cancel':
        return this.events.emit('cancel', { piece: frame.piece, offset: frame.offset, length: frame.length })
      case 'reject':
        if (this.#take(frame.piece, frame.offset, frame.length).length === 0) return void this.stats.ignoredRejects++
        return this.events.emit('reject', { piece: frame.piece, offset: frame.offset, length: frame.length })
      case 'block':
        return this.#onBlock(frame)
      case 'manifest-request':
        return this.events.emit('manifest-request', frame.offset)
      case 'manifest-part':
        return this.events.emit('manifest-part', { total: frame.total, offset: frame.offset, data: frame.data })
      case 'close':
        return this.#connection.close(`peer closed: ${frame.reason}`)
      case 'tombstone':
        return this.events.emit('tombstone', frame.secret.slice())
    }
  }

  #onBlock({ piece, offset, data }: Block): void {
    this.stats.bytesDown += data.length
    const key = blockKey(piece, offset)
    const request = this.#outstanding.get(key)
    if (!request) return void this.stats.unrequestedBlocks++
    if (data.length !== request.length) return void this.fail(`sent ${data.length} bytes for a ${request.length}-byte request`)
    this.#outstanding.delete(key)
    this.#timeoutRounds = 0
    this.#idle()
    this.events.emit('block', { piece, offset, data })
  }

  /** Removes and returns the outstanding blocks that start in [offset, offset + length) of `piece`. */
  #take(piece: number, offset: number, length: number): Outstanding[] {
    const taken: Outstanding[] = []
    for (const [key, r] of this.#outstanding) {
      if (r.piece !== piece || r.offset < offset || r.offset >= offset + length) continue
      this.#outstanding.delete(key)
      taken.push(r)
    }
    this.#idle()
    return taken
  }

  #checkTimeouts(): void {
    const now = this.#clock.now()
    const expired: BlockRequest[] = []
    for (const [key, r] of this.#outstanding) {
      if (now - r.sentAt <= this.#requestTimeoutMs) continue
      this.#outstanding.delete(key)
      expired.push({ piece: r.piece, offset: r.offset, length: r.length })
    }
    this.#idle()
    if (expired.length === 0) return
    for (const r of expired) this.#send({ kind: 'cancel', ...r })
    this.stats.timedOut += expired.length
    this.events.emit('timeout', { requests: expired, rounds: ++this.#timeoutRounds })
  }

  /** Nothing outstanding: no timer to run. */
  #idle(): void {
    if (this.#outstanding.size > 0) return
    this.#clock.clearInterval(this.#checkTimer)
    this.#checkTimer = undefined
  }
}
