/**
 * The signaling hub: assigns each connection a peer id, keeps the tracker
 * (who is in which swarm), forwards WebRTC signals between peers of one
 * swarm, and relays binary wire frames between them when they cannot connect
 * directly (relay.ts). Signals and relay frames pass only between members
 * of the swarm they name. Every message is validated at the edge
 * (protocol/signal.ts, protocol/relay.ts); a bad one gets an error reply,
 * never an exception out of this file.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { WebSocket } from 'ws'
import {
  type ClientMessage,
  type ErrorCode,
  ProtocolError,
  SIGNAL_PROTOCOL_VERSION,
  type ServerMessage,
  parseClientMessage,
} from '../protocol/signal.js'
import { type RelayFrame, decodeManifestPart, decodeRelayFrame, encodeRelayFrame } from '../protocol/relay.js'
import { cidFromDigest } from '../format/cid.js'
import type { HubOptions } from './hub-options.js'
import { RelayState, forward } from './relay.js'
import { TombstoneCheck } from '../format/tombstone-stream.js'
import { PinRegistry, type PinRequest } from './pins.js'
import { MessageRate } from './message-rate.js'
import { AddressQuota } from './quota.js'
import { tokenMatches } from './access.js'

/** Relay errors about one target are repeated at most this often: frames in flight to a peer that left are expected. */
const RELAY_ERROR_INTERVAL_MS = 1_000

/** After this many rejected messages within a minute a connection is closed: it is broken or hostile. */
const MAX_ERRORS_PER_CONNECTION = 100
const ERROR_WINDOW_MS = 60_000

interface Client {
  id: string
  socket: WebSocket
  /** The key per-address limits count under (access.ts). */
  address: string
  /** Rejected messages since `errorsSince`: a long-lived client's occasional errors do not add up to a disconnect. */
  errors: number
  errorsSince: number
  rate: MessageRate
  relay: RelayState
  /** When this connection was last sent TURN credentials; null: never. */
  iceAt: number | null
  /** Last relay error per target, to rate-limit them. */
  relayErrors: Map<string, number>
  /** Messages are handled one after another: state calls are async, order must hold. */
  queue: Promise<void>
  /** A tombstone whose manifest is still arriving. */
  tombstone: TombstoneCheck | null
}

export class SignalingHub {
  #clients = new Map<string, Client>()
  readonly #now: () => number
  readonly #pins: PinRegistry
  /** The last pin-status sent per CID, to tell watchers only of changes. */
  readonly #pinStatusSent = new Map<string, string>()
  readonly #relayAllowance: AddressQuota
  readonly #revokeQuota: AddressQuota
  /** Total bytes relayed since start. */
  relayedBytes = 0

  constructor(private readonly options: HubOptions) {
    this.#now = options.now ?? Date.now
    this.#pins = new PinRegistry(options.pin)
    this.#relayAllowance = new AddressQuota(options.relay.budgetPerIpBytes, 86_400_000, this.#now)
    this.#revokeQuota = new AddressQuota(options.revokesPerHour, 3_600_000, this.#now)
    options.state.onRouted((to, message) => {
      const target = this.#clients.get(to)
      if (target?.socket.readyState === target?.socket.OPEN) target!.socket.send(message, { binary: typeof message !== 'string' })
    })
  }

  get peerCount(): number {
    return this.#clients.size
  }

  /** Bytes queued in the server for all receivers: what a slow receiver could make it hold. */
  get bufferedBytes(): number {
    let n = 0
    for (const c of this.#clients.values()) n += c.socket.bufferedAmount
    return n
  }

  /** `address`: the key per-address limits count this connection under. */
  accept(socket: WebSocket, address: string): void {
    const id = randomBytes(16).toString('base64url')
    const client: Client = {
      id,
      socket,
      address,
      errors: 0,
      errorsSince: this.#now(),
      rate: new MessageRate(this.options.maxMessagesPerSecond, this.#now),
      relay: new RelayState(socket, this.options.relay, this.#now),
      iceAt: null,
      relayErrors: new Map(),
      queue: Promise.resolve(),
      tombstone: null,
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
      const readyAt = this.#now() + wait
      client.queue = client.queue.then(async () => {
        const left = readyAt - this.#now()
        if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
        try {
          if (isBinary) await this.#onBinary(client, data as Buffer)
          else await this.#onMessage(client, data.toString())
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

  get pinNodeCount(): number {
    return this.#pins.nodeCount
  }

  /** The periodic pin audit: forgets silent holdings and asks for copies where too few are left. */
  auditPins(): void {
    this.#sendPinRequests(this.#pins.audit(this.#now()))
    for (const cid of this.#pinStatusSent.keys()) if (!this.#pins.watched(cid)) this.#pinStatusSent.delete(cid)
  }

  /** Asks every client to reconnect (close code 1012, "service restart"): they come back to another process or this one restarted. */
  closeAll(): void {
    for (const client of this.#clients.values()) client.socket.close(1012, 'server restarting, reconnect')
  }

  async #onBinary(client: Client, data: Buffer): Promise<void> {
    const part = decodeManifestPart(data)
    if (part) return this.#onManifestPart(client, part)
    return this.#onRelay(client, data)
  }

  async #onRelay(client: Client, data: Buffer): Promise<void> {
    if (!this.options.relay.enabled) return this.#reject(client, 'relay-disabled', 'this server does not relay')
    const frame = decodeRelayFrame(data)
    if (!frame) return this.#reject(client, 'bad-message', 'malformed relay frame')
    const cid = cidFromDigest(frame.cidDigest)
    const { state } = this.options
    if (!(await state.isMember(frame.peer, cid)) || !(await state.isMember(client.id, cid))) {
      return this.#relayError(client, frame, 'unknown-peer', 'that peer is not in this swarm (it may have left)')
    }
    if (!client.relay.withinBudget(data.length) || !this.#relayAllowance.allows(client.address, data.length)) {
      return this.#relayError(client, frame, 'relay-budget', 'this connection or its address has used its relay budget')
    }
    const out = encodeRelayFrame({ ...frame, peer: client.id })
    const target = this.#clients.get(frame.peer)
    if (target) forward(client, target, out)
    else if (await state.route(frame.peer, out)) client.relay.charge(data.length)
    else return this.#relayError(client, frame, 'unknown-peer', 'that peer is not in this swarm (it may have left)')
    this.#relayAllowance.take(client.address, data.length)
    this.relayedBytes += data.length
    this.options.metrics?.relayedBytes.inc(data.length)
  }

  #relayError(client: Client, frame: RelayFrame, code: ErrorCode, message: string): void {
    this.options.metrics?.rejected.inc({ reason: code })
    const now = this.#now()
    const last = client.relayErrors.get(frame.peer) ?? -Infinity
    if (now - last < RELAY_ERROR_INTERVAL_MS) return
    if (client.relayErrors.size > 1000) client.relayErrors.clear()
    client.relayErrors.set(frame.peer, now)
    this.#send(client, { type: 'error', code, message, ref: 'relay', peer: frame.peer })
  }

  async #onMessage(client: Client, text: string): Promise<void> {
    let message: ClientMessage
    try {
      message = parseClientMessage(text)
    } catch (err) {
      if (err instanceof ProtocolError) return this.#reject(client, err.code, err.message)
      throw err
    }
    const { state } = this.options
    switch (message.type) {
      case 'announce':
        this.options.metrics?.announces.inc()
        if (await this.#sendTombstone(client, message.cid)) return
        if (!(await state.join(client.id, message.cid, message.complete, this.options.maxSwarmsPerPeer))) {
          return this.#reject(client, 'too-many-swarms', `a connection may join at most ${this.options.maxSwarmsPerPeer} swarms`, message.type)
        }
        this.#sendIce(client)
        return this.#sendPeers(client, message.cid)
      case 'lookup':
        this.options.metrics?.lookups.inc()
        if (await this.#sendTombstone(client, message.cid)) return
        this.#sendIce(client)
        return this.#sendPeers(client, message.cid)
      case 'pin':
        if (await this.#sendTombstone(client, message.cid)) return
        if (!(await state.isMember(client.id, message.cid))) {
          return this.#reject(client, 'not-in-swarm', 'announce a drop before asking for it to be pinned', message.type)
        }
        this.#sendPinRequests(this.#pins.pin(message.cid, client.id, this.#now()))
        this.#pinStatusSent.delete(message.cid) // the new watcher hears the status now
        return this.#notifyPin(message.cid)
      case 'pin-holdings':
        if (!this.#pins.isNode(client.id) && !tokenMatches(message.token, this.options.pinToken)) {
          return this.#reject(client, 'not-a-pin-node', 'pin nodes need this server’s pin token (--pin-token)', message.type)
        }
        this.#pins.holdings(client.id, message.pins, this.#now())
        for (const pin of message.pins) this.#notifyPin(pin.cid)
        return
      case 'pin-report': {
        if (!this.#pins.isNode(client.id)) return this.#reject(client, 'not-a-pin-node', 'only pin nodes report on pins', message.type)
        const requests = this.#pins.report(client.id, message.cid, message.state, this.#now())
        // null: the node neither holds nor was asked for this drop (a late report, or a hostile one): nothing changes.
        if (!requests) return
        this.#sendPinRequests(requests)
        return this.#notifyPin(message.cid)
      }
      case 'revoke': {
        // A new tombstone replaces one still arriving: only one is held per connection.
        client.tombstone = null
        const quota = this.#revokeQuota
        if (!quota.allows(client.address)) {
          return this.#reject(client, 'rate-limited', `one address may send ${this.options.revokesPerHour} revokes per hour`, message.type)
        }
        quota.take(client.address)
        client.tombstone = new TombstoneCheck(message.cid, message.secret, message.size, () => createHash('sha256'))
        return
      }
      case 'leave':
        return state.leave(client.id, message.cid)
      case 'signal': {
        const unknown = () => this.#reject(client, 'unknown-peer', 'that peer is not in this swarm (it may have left)', message.type)
        if (!(await state.isMember(message.to, message.cid))) return unknown()
        // Both ends, as for relay frames: a stranger who knows a CID must not negotiate with its members.
        if (!(await state.isMember(client.id, message.cid))) {
          return this.#reject(client, 'not-in-swarm', 'announce a drop before signalling its peers', message.type)
        }
        const out: ServerMessage = { type: 'signal', from: client.id, cid: message.cid, data: message.data }
        const target = this.#clients.get(message.to)
        if (target) this.#send(target, out)
        else if (!(await state.route(message.to, JSON.stringify(out)))) return unknown()
        this.options.metrics?.signals.inc()
        return
      }
    }
  }

  async #onManifestPart(client: Client, part: Uint8Array): Promise<void> {
    const check = client.tombstone
    if (!check) return this.#reject(client, 'bad-message', 'manifest part without a revoke message', 'revoke')
    let done: boolean
    try {
      done = check.push(part)
    } catch {
      client.tombstone = null
      return this.#reject(client, 'bad-tombstone', 'more manifest bytes than the revoke message announced', 'revoke')
    }
    if (!done) return
    client.tombstone = null
    const invalid = check.verdict()
    if (invalid) return this.#reject(client, 'bad-tombstone', `tombstone refused: ${invalid}`, 'revoke')
    const limits = { revoker: client.id, maxUnshared: this.options.maxUnsharedTombstones }
    const { secret, members } = await this.options.state.revoke(check.cid, check.secret, this.options.tombstoneTtlMs, limits)
    this.#pins.forget(check.cid)
    this.#pinStatusSent.delete(check.cid)
    this.options.logger.info('drop revoked', { cid: check.cid.slice(0, 12), members: members.length })
    // The recorded secret: a tombstone once recorded is the one everyone hears.
    const out: ServerMessage = { type: 'revoked', cid: check.cid, secret }
    if (!members.includes(client.id)) this.#send(client, out) // the owner hears it too: its confirmation
    for (const peer of members) {
      const target = this.#clients.get(peer)
      if (target) this.#send(target, out)
      else await this.options.state.route(peer, JSON.stringify(out))
    }
  }

  #sendPinRequests(requests: readonly PinRequest[]): void {
    for (const { node, cid, replicas } of requests) {
      const target = this.#clients.get(node)
      if (target) this.#send(target, { type: 'pin-request', cid, replicas })
    }
  }

  /** Tells the peers watching a pinned drop how many copies exist, when that changed. */
  #notifyPin(cid: string): void {
    const watchers = this.#pins.watchers(cid)
    if (watchers.length === 0) return
    const status = this.#pins.status(cid)
    const text = JSON.stringify(status)
    if (this.#pinStatusSent.get(cid) === text) return
    this.#pinStatusSent.set(cid, text)
    for (const peer of watchers) {
      const target = this.#clients.get(peer)
      if (target) this.#send(target, { type: 'pin-status', ...status })
    }
  }

  /** Answers for a revoked CID with its tombstone; true if it was one. */
  async #sendTombstone(client: Client, cid: string): Promise<boolean> {
    const secret = await this.options.state.tombstone(cid)
    if (secret) this.#send(client, { type: 'revoked', cid, secret })
    return secret !== undefined
  }

  /** Every ICE server with TURN credentials, to a connection that announced or looked up a swarm, when it has none or they are half used. */
  #sendIce(client: Client): void {
    const { forMember, refreshAfterMs } = this.options.ice
    const now = this.#now()
    if (!forMember || (client.iceAt !== null && now - client.iceAt <= refreshAfterMs)) return
    client.iceAt = now
    this.#send(client, { type: 'ice', iceServers: forMember(client.id, now) })
  }

  async #sendPeers(client: Client, cid: string): Promise<void> {
    this.#send(client, { type: 'peers', cid, peers: await this.options.state.sample(cid, client.id, this.options.maxPeersPerLookup) })
  }

  #reject(client: Client, code: ErrorCode, message: string, ref?: string): void {
    const now = this.#now()
    if (now - client.errorsSince > ERROR_WINDOW_MS) {
      client.errors = 0
      client.errorsSince = now
    }
    client.errors++
    this.options.metrics?.rejected.inc({ reason: code })
    this.options.logger.debug('rejected message', { code })
    this.#send(client, { type: 'error', code, message, ref })
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
    if (this.#pins.isNode(client.id)) {
      this.#pins.remove(client.id)
      for (const cid of this.#pinStatusSent.keys()) this.#notifyPin(cid)
    } else {
      this.#pins.remove(client.id)
    }
    // After whatever the client still had queued, so a late announce cannot re-add it.
    client.queue = client.queue
      .then(() => this.options.state.drop(client.id))
      .catch((err) => this.options.logger.warn('could not remove a departed peer from the state', { err: String(err) }))
  }
}

