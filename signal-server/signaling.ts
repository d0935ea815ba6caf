/**
 * The signaling hub: assigns each connection a peer id, checks its protocol
 * version, paces it, and hands each message to its family's handler
 * (handlers/: tracker, signals, relay, revoke, pins, mirrors). Every message is
 * validated at the edge (protocol/); a bad one gets an error reply, never an
 * exception out of the hub.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { WebSocket } from 'ws'
import {
  type ClientMessage,
  type ErrorCode,
  ProtocolError,
  SIGNAL_PROTOCOL_VERSION,
  type ServerMessage,
  parseClientMessage,
  versionMismatch,
} from '../protocol/signal.js'
import { decodeManifestPart } from '../protocol/relay.js'
import { type Clock, systemClock } from './clock.js'
import type { Client, Handlers, HubContext } from './hub-context.js'
import type { HubOptions } from './hub-options.js'
import { MessageRate } from './message-rate.js'
import { type PauseReason, RelayState } from './relay.js'
import { PinHandler } from './handlers/pins.js'
import { RelayHandler } from './handlers/relay.js'
import { Revocations } from './handlers/revoke.js'
import { MirrorLists } from './handlers/mirrors.js'
import { signalHandlers } from './handlers/signals.js'
import { trackerHandlers } from './handlers/tracker.js'

/** After this many rejected messages within a minute a connection is closed: it is broken or hostile. */
const MAX_ERRORS_PER_CONNECTION = 100
const ERROR_WINDOW_MS = 60_000

export interface HubEvents {
  /** The hub stopped reading from a connection (relay.ts says why). */
  'relay-pause': [peer: string, reason: PauseReason]
}

export class SignalingHub {
  readonly #clients = new Map<string, Client>()
  readonly #clock: Clock
  readonly #ctx: HubContext
  readonly #relay: RelayHandler
  readonly #revocations: Revocations
  readonly #pins: PinHandler
  readonly #mirrors: MirrorLists
  readonly #handlers: Handlers
  readonly events = new EventEmitter<HubEvents>()

  constructor(private readonly options: HubOptions) {
    const clock = (this.#clock = options.clock ?? systemClock)
    this.#ctx = {
      options,
      clock,
      client: (id) => this.#clients.get(id),
      send: (client, message) => this.#send(client, message),
      deliver: async (peer, message, inSwarm) => {
        const target = this.#clients.get(peer)
        if (!target) return options.state.route(peer, JSON.stringify(message), inSwarm)
        this.#send(target, message)
        return true
      },
      reject: (client, code, message, ref, peer) => this.#reject(client, code, message, ref, peer),
    }
    this.#relay = new RelayHandler(this.#ctx)
    this.#revocations = new Revocations(this.#ctx, (cid) => this.#pins.forget(cid))
    this.#pins = new PinHandler(this.#ctx, this.#revocations)
    this.#mirrors = new MirrorLists(this.#ctx)
    this.#handlers = {
      // Only the first message may be a hello (#greet); a later one changes nothing.
      hello: () => {},
      ...trackerHandlers(this.#ctx, this.#revocations),
      ...signalHandlers(this.#ctx),
      ...this.#relay.handlers,
      ...this.#revocations.handlers,
      ...this.#pins.handlers,
      ...this.#mirrors.handlers,
    }
    options.state.onRouted((to, message) => {
      const target = this.#clients.get(to)
      // A peer that left (or is leaving) while the message was routed to this process: nobody to give it to.
      if (target && target.socket.readyState === target.socket.OPEN) target.socket.send(message, { binary: typeof message !== 'string' })
    })
  }

  get peerCount(): number {
    return this.#clients.size
  }

  get pinNodeCount(): number {
    return this.#pins.nodeCount
  }

  /** Total bytes relayed since start. */
  get relayedBytes(): number {
    return this.#relay.relayedBytes
  }

  /** Bytes queued in the server for all receivers: what a slow receiver could make it hold. */
  get bufferedBytes(): number {
    let n = 0
    for (const c of this.#clients.values()) n += c.socket.bufferedAmount
    return n
  }

  /** Resolves once every message read so far has been handled. */
  async settled(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      const queues = [...this.#clients.values()].map((c) => c.queue)
      await Promise.all(queues)
      if ([...this.#clients.values()].every((c, i) => c.queue === queues[i])) return
    }
  }

  /** `address`: the key per-address limits count this connection under. */
  accept(socket: WebSocket, address: string): void {
    const id = randomBytes(16).toString('base64url')
    const now = this.#clock.now()
    const client: Client = {
      id,
      socket,
      address,
      greeted: false,
      errors: 0,
      errorsSince: now,
      rate: new MessageRate(this.options.maxMessagesPerSecond, () => this.#clock.now()),
      relay: new RelayState(socket, this.options.relay, this.#clock, (reason) => this.events.emit('relay-pause', id, reason)),
      iceAt: null,
      relayErrors: new Map(),
      queue: Promise.resolve(),
      tombstone: null,
      mirrorList: null,
    }
    client.queue = this.options.state.connect(id).catch((err) => this.options.logger.error('state connect failed', { err: String(err) }))
    this.#clients.set(client.id, client)
    socket.on('message', (data, isBinary) => {
      // Rate limiting is decided on arrival; handling waits its turn, and a binary message past the rate waits longer.
      if (!isBinary && !client.rate.text()) {
        return this.#reject(client, 'rate-limited', `more than ${this.options.maxMessagesPerSecond} messages per second`)
      }
      const wait = isBinary ? client.rate.binary() : 0
      if (wait > 0) client.relay.pauseFor('messages', wait)
      const readyAt = this.#clock.now() + wait
      client.queue = client.queue.then(async () => {
        const left = readyAt - this.#clock.now()
        if (left > 0) await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, left))
        try {
          if (isBinary) await this.#onBinary(client, data as Buffer)
          else await this.#onText(client, data.toString())
        } catch (err) {
          this.options.logger.error('message handler failed', { err: String(err) })
          this.#reject(client, 'internal', 'the server failed to handle this message')
        }
      })
    })
    socket.on('close', () => this.#onClose(client))
    socket.on('error', () => socket.terminate())
    this.#send(client, {
      type: 'welcome',
      id: client.id,
      iceServers: this.options.ice.welcome,
      iceTransportPolicy: this.options.iceTransportPolicy,
      relay: { enabled: this.options.relay.enabled, afterMs: this.options.relay.afterMs },
      pin: this.options.pin,
      limits: { messagesPerSecond: this.options.maxMessagesPerSecond },
      protocol: SIGNAL_PROTOCOL_VERSION,
    })
  }

  /** The periodic pin audit: forgets silent holdings and asks for copies where too few are left. */
  auditPins(): void {
    this.#pins.audit()
  }

  /** Asks every client to reconnect (close code 1012, "service restart"): they come back to another process or this one restarted. */
  closeAll(): void {
    for (const client of this.#clients.values()) client.socket.close(1012, 'server restarting, reconnect')
  }

  async #onBinary(client: Client, data: Buffer): Promise<void> {
    if (!this.#greet(client, null)) return
    const part = decodeManifestPart(data)
    if (part && client.mirrorList) return this.#mirrors.manifestPart(client, part)
    if (part) return this.#revocations.manifestPart(client, part)
    return this.#relay.frame(client, data)
  }

  async #onText(client: Client, text: string): Promise<void> {
    let message: ClientMessage
    try {
      message = parseClientMessage(text)
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err
      return client.greeted ? this.#reject(client, err.code, err.message) : void this.#greet(client, null)
    }
    if (!this.#greet(client, message)) return
    const handle = this.#handlers[message.type] as (client: Client, message: ClientMessage) => Promise<void> | void
    return handle(client, message)
  }

  /**
   * Whether `client` may be served: its first message must be a hello with
   * our version. Otherwise it hears why and is disconnected, since nothing
   * it says would be understood (a page from before hello sends none).
   */
  #greet(client: Client, message: ClientMessage | null): boolean {
    if (client.greeted) return true
    if (message?.type === 'hello' && message.protocol === SIGNAL_PROTOCOL_VERSION) {
      client.greeted = true
      return false // the hello itself needs no answer
    }
    const page = message?.type === 'hello' ? message.protocol : 'none'
    this.#reject(client, 'protocol-mismatch', versionMismatch(page, SIGNAL_PROTOCOL_VERSION), 'hello')
    client.socket.close(1008, 'signaling protocol mismatch')
    return false
  }

  #reject(client: Client, code: ErrorCode, message: string, ref?: string, peer?: string): void {
    const now = this.#clock.now()
    if (now - client.errorsSince > ERROR_WINDOW_MS) {
      client.errors = 0
      client.errorsSince = now
    }
    client.errors++
    this.options.metrics?.rejected.inc({ reason: code })
    this.options.logger.debug('rejected message', { code })
    this.#send(client, { type: 'error', code, message, ref, peer })
    if (client.errors === MAX_ERRORS_PER_CONNECTION) {
      // After the messages already accepted are handled: what passed the limits still gets its answer.
      client.queue = client.queue.then(() => client.socket.close(1008, 'too many invalid messages'))
    }
  }

  #send(client: Client, message: ServerMessage): void {
    // Control messages bypass relay backpressure: they are small and rare.
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(message))
  }

  #onClose(client: Client): void {
    this.#clients.delete(client.id)
    this.#pins.disconnected(client)
    // After whatever the client still had queued, so a late announce cannot re-add it.
    client.queue = client.queue
      .then(() => this.options.state.drop(client.id))
      .catch((err) => this.options.logger.warn('could not remove a departed peer from the state', { err: String(err) }))
  }
}
