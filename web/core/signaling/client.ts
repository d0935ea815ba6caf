/**
 * The client side of the signaling protocol (protocol/signal.ts): one
 * WebSocket to the server, reconnected with exponential backoff and jitter.
 * After a reconnect it announces every swarm it had joined again, so a server
 * restart costs a few seconds of discovery, never a transfer: open peer
 * connections do not depend on the server. It plays every role of roles.ts.
 */
import {
  type ClientMessage,
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_PIN_POLICY,
  DEFAULT_RELAY_POLICY,
  type IceServer,
  MAX_PIN_HOLDINGS_PER_MESSAGE,
  type PinHolding,
  type PinPolicy,
  ProtocolError,
  type RelayPolicy,
  SIGNAL_PROTOCOL_VERSION,
  type ServerMessage,
  parseServerMessage,
  versionMismatch,
} from '../../../protocol/signal.js'
import { MAX_MANIFEST_PART_BYTES, decodeRelayFrame, encodeManifestPart, encodeRelayFrame } from '../../../protocol/relay.js'
import { Emitter } from '../util/emitter.js'
import { PacedSender } from './paced-sender.js'
import type { SignalEvents, SignalStatus, SignalingClient } from './roles.js'
import { SignalingVersionError } from './version-error.js'

// The roles are defined in roles.ts; their users import them from here too.
export type { SignalEvents, SignalStatus, SignalingClient } from './roles.js'

export interface WebSocketLike {
  readonly readyState: number
  readonly bufferedAmount: number
  binaryType: string
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: unknown) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
}

/** Of the server's rate, what this client uses: a margin for timing differences. */
const RATE_MARGIN = 0.8

/** Relay bytes queued in the WebSocket above which relay connections wait: a few frames. */
const RELAY_HIGH_WATER_BYTES = 512 * 1024
const RELAY_LOW_WATER_BYTES = 128 * 1024
/** The WebSocket API has no drain event; its buffer is checked this often while someone waits. */
const DRAIN_POLL_MS = 10

export interface WebSocketClientOptions {
  /** One server, or several: after a disconnect the client tries the next one (failover). */
  url: string | string[]
  /** The WebSocket constructor; the global one by default (Node 20 needs `ws`). */
  WebSocket?: new (
    url: string,
  ) => WebSocketLike
  minBackoffMs?: number
  maxBackoffMs?: number
  random?: () => number
  /** The protocol version this client speaks; tests set another to meet a server of another version. */
  protocolVersion?: number
}

const OPEN = 1

export class WebSocketSignalingClient implements SignalingClient {
  readonly events = new Emitter<SignalEvents>()
  status: SignalStatus = 'connecting'
  peerId: string | undefined
  iceServers: IceServer[] = []
  iceTransportPolicy: 'all' | 'relay' = 'all'
  relayPolicy: RelayPolicy = DEFAULT_RELAY_POLICY
  pinPolicy: PinPolicy = DEFAULT_PIN_POLICY
  incompatible: SignalingVersionError | undefined
  #socket: WebSocketLike | null = null
  #drainWaiters: (() => void)[] = []
  #drainTimer: ReturnType<typeof setTimeout> | undefined
  /** cid → complete */
  #joined = new Map<string, boolean>()
  /** Drops we asked to pin: asked again after a reconnect, to keep hearing their status. */
  #pinned = new Set<string>()
  /** Drops whose published mirror lists we asked for: asked again after a reconnect (the first ask may have been lost). */
  #mirrorsWanted = new Set<string>()
  #attempt = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  #urlIndex = 0
  readonly #options: Required<WebSocketClientOptions>
  /** Text messages, paced under the server's rate. */
  readonly #outgoing = new PacedSender((m) => {
    const socket = this.#socket
    if (socket?.readyState !== OPEN) return
    if ('frame' in m) return socket.send(m.frame)
    socket.send(m.text)
    for (const part of m.binary ?? []) socket.send(part)
  }, DEFAULT_MESSAGES_PER_SECOND * RATE_MARGIN)

  constructor(options: WebSocketClientOptions) {
    this.#options = {
      WebSocket: globalThis.WebSocket as unknown as new (url: string) => WebSocketLike,
      minBackoffMs: 500,
      maxBackoffMs: 15_000,
      random: Math.random,
      protocolVersion: SIGNAL_PROTOCOL_VERSION,
      ...options,
    }
    this.#connect()
  }

  announce(cid: string, complete = false): void {
    this.#joined.set(cid, complete)
    this.#send({ type: 'announce', cid, complete })
  }

  lookup(cid: string): void {
    this.#send({ type: 'lookup', cid })
  }

  leave(cid: string): void {
    this.#joined.delete(cid)
    this.#pinned.delete(cid)
    this.#mirrorsWanted.delete(cid)
    this.#send({ type: 'leave', cid })
  }

  signal(to: string, cid: string, data: Record<string, unknown>): void {
    this.#send({ type: 'signal', to, cid, data })
  }

  openRelay(to: string, cid: string): void {
    this.#send({ type: 'relay-open', to, cid })
  }

  closeRelay(to: string, cid: string): void {
    this.#send({ type: 'relay-close', to, cid })
  }

  pin(cid: string): void {
    this.#pinned.add(cid)
    this.#send({ type: 'pin', cid })
  }

  pinHoldings(pins: readonly PinHolding[], token: string): void {
    // At least one message, also when holding nothing: it is the heartbeat.
    for (let at = 0; at === 0 || at < pins.length; at += MAX_PIN_HOLDINGS_PER_MESSAGE) {
      this.#send({ type: 'pin-holdings', pins: pins.slice(at, at + MAX_PIN_HOLDINGS_PER_MESSAGE), token })
    }
  }

  pinReport(cid: string, state: 'refused' | 'dropped', reason: string): void {
    this.#send({ type: 'pin-report', cid, state, reason })
  }

  revoke(cid: string, secret: string, manifest: Uint8Array): void {
    this.#send({ type: 'revoke', cid, secret, size: manifest.length }, manifestParts(manifest))
  }

  getMirrors(cid: string): void {
    this.#mirrorsWanted.add(cid)
    this.#send({ type: 'mirrors-get', cid })
  }

  publishMirrors(cid: string, list: string, manifest: Uint8Array): void {
    this.#send({ type: 'mirrors-publish', cid, list, size: manifest.length }, manifestParts(manifest))
  }

  sendRelay(to: string, cidDigest: Uint8Array, frame: Uint8Array): boolean {
    const socket = this.#socket
    if (socket?.readyState !== OPEN || !this.peerId) return true // lost with the connection, like any frame in flight
    this.#outgoing.pushFrame(encodeRelayFrame({ peer: to, cidDigest, payload: frame }))
    return this.#outgoing.framesWaiting === 0 && socket.bufferedAmount <= RELAY_HIGH_WATER_BYTES
  }

  whenRelayDrained(callback: () => void): void {
    this.#drainWaiters.push(callback)
    if (this.#drainTimer === undefined) this.#pollDrain()
  }

  #pollDrain(): void {
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = undefined
      const socket = this.#socket
      const full = socket?.readyState === OPEN && (socket.bufferedAmount > RELAY_LOW_WATER_BYTES || this.#outgoing.framesWaiting > 0)
      if (full) return this.#pollDrain()
      this.#drainWaiters.splice(0).forEach((w) => w())
    }, DRAIN_POLL_MS)
  }

  close(): void {
    this.#stop(1000, 'client closing')
  }

  #stop(code: number, reason: string): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#outgoing.clear()
    this.#socket?.close(code, reason)
    this.#setStatus('closed')
  }

  /** The server speaks another version: retrying cannot help, only a reload (a newer page) can. */
  #incompatible(message: string): void {
    this.incompatible = new SignalingVersionError(message)
    this.#stop(1000, 'signaling protocol mismatch')
    this.events.emit('incompatible', this.incompatible)
  }

  #send(message: ClientMessage, binary?: Uint8Array[]): void {
    // While disconnected, announces are replayed on reconnect and signals are
    // for connections that will time out and be retried; dropping is right.
    if (this.#socket?.readyState === OPEN && this.peerId) this.#outgoing.push(message, binary)
  }

  #setStatus(status: SignalStatus): void {
    if (this.status === status) return
    this.status = status
    this.events.emit('status', status)
  }

  #connect(): void {
    if (this.#closed) return
    this.#setStatus('connecting')
    const urls = Array.isArray(this.#options.url) ? this.#options.url : [this.#options.url]
    const socket = new this.#options.WebSocket(urls[this.#urlIndex % urls.length])
    socket.binaryType = 'arraybuffer'
    this.#socket = socket
    socket.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) return this.#onRelay(new Uint8Array(ev.data))
      if (typeof ev.data !== 'string') return
      let message: ServerMessage
      try {
        message = parseServerMessage(ev.data)
      } catch (err) {
        if (err instanceof ProtocolError) return // a malformed server message is skipped, not fatal
        throw err
      }
      this.#onMessage(message)
    }
    socket.onclose = () => {
      if (this.#socket !== socket) return
      this.#socket = null
      this.#outgoing.clear()
      this.peerId = undefined
      if (this.#closed) return
      this.#urlIndex++
      this.#setStatus('connecting')
      const ceiling = Math.min(this.#options.maxBackoffMs, this.#options.minBackoffMs * 2 ** this.#attempt)
      this.#attempt++
      // Full jitter: clients that lost the same server do not all return at once.
      this.#timer = setTimeout(() => this.#connect(), ceiling / 2 + (this.#options.random() * ceiling) / 2)
    }
    socket.onerror = () => {
      // onclose follows and schedules the retry.
    }
  }

  #onRelay(bytes: Uint8Array): void {
    const frame = decodeRelayFrame(bytes)
    if (frame) this.events.emit('relay', { from: frame.peer, cidDigest: frame.cidDigest, frame: frame.payload })
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        if (message.protocol !== this.#options.protocolVersion)
          return this.#incompatible(versionMismatch(this.#options.protocolVersion, message.protocol))
        this.#attempt = 0
        this.peerId = message.id
        this.iceServers = message.iceServers
        this.iceTransportPolicy = message.iceTransportPolicy
        this.relayPolicy = message.relay
        this.pinPolicy = message.pin
        this.#outgoing.setRate(message.limits.messagesPerSecond * RATE_MARGIN)
        this.#outgoing.push({ type: 'hello', protocol: this.#options.protocolVersion })
        this.#setStatus('open')
        this.events.emit('welcome', { id: message.id, iceServers: message.iceServers })
        for (const [cid, complete] of this.#joined) this.#send({ type: 'announce', cid, complete })
        for (const cid of this.#pinned) this.#send({ type: 'pin', cid })
        for (const cid of this.#mirrorsWanted) this.#send({ type: 'mirrors-get', cid })
        return
      case 'ice':
        // TURN with fresh credentials: the server sends them once we announce or look up a swarm, before its answer.
        this.iceServers = message.iceServers
        return
      case 'peers':
        this.events.emit('peers', { cid: message.cid, peers: message.peers })
        return
      case 'signal':
        this.events.emit('signal', { from: message.from, cid: message.cid, data: message.data })
        return
      case 'relay-open':
      case 'relay-close':
        this.events.emit(message.type, { from: message.from, cid: message.cid })
        return
      case 'revoked':
        this.events.emit('revoked', { cid: message.cid, secret: message.secret })
        return
      case 'pin-status': {
        const { type: _, ...status } = message
        this.events.emit('pin-status', status)
        return
      }
      case 'mirrors':
        this.events.emit('mirrors', { cid: message.cid, list: message.list })
        return
      case 'pin-request':
        this.events.emit('pin-request', { cid: message.cid, replicas: message.replicas })
        return
      case 'error':
        if (message.code === 'protocol-mismatch') return this.#incompatible(message.message)
        this.events.emit('error', { code: message.code, message: message.message, ref: message.ref, peer: message.peer })
        return
    }
  }
}

/** A manifest as the binary messages that follow a 'revoke' or 'mirrors-publish'. */
function manifestParts(manifest: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = []
  for (let at = 0; at < manifest.length; at += MAX_MANIFEST_PART_BYTES) {
    parts.push(encodeManifestPart(manifest.subarray(at, at + MAX_MANIFEST_PART_BYTES)))
  }
  return parts
}
