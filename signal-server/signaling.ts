/**
 * The signaling hub: assigns each connection a peer id, keeps the tracker
 * (who is in which swarm), forwards WebRTC signals between peers of one
 * swarm, and relays binary wire frames between them when they cannot connect
 * directly (relay.ts). Every message is validated at the edge
 * (protocol/signal.ts, protocol/relay.ts); a bad one gets an error reply,
 * never an exception out of this file.
 */
import { randomBytes } from 'node:crypto'
import type { WebSocket } from 'ws'
import {
  type ClientMessage,
  type ErrorCode,
  type IceServer,
  MAX_PEERS_PER_LOOKUP,
  ProtocolError,
  SIGNAL_PROTOCOL_VERSION,
  type ServerMessage,
  parseClientMessage,
} from '../protocol/signal.js'
import { type RelayFrame, decodeRelayFrame, encodeRelayFrame } from '../protocol/relay.js'
import { cidFromDigest } from '../web/core/content/cid.js'
import type { Logger } from './log.js'
import type { TrackerState } from './tracker.js'
import { type RelayLimits, RelayState, forward } from './relay.js'

export interface HubOptions {
  tracker: TrackerState
  /** The ICE servers for one client (TURN credentials are minted per peer). */
  iceServersFor: (peerId: string) => IceServer[]
  iceTransportPolicy: 'all' | 'relay'
  maxSwarmsPerPeer: number
  relay: RelayLimits & { enabled: boolean; afterMs: number }
  logger: Logger
  now?: () => number
}

/** Relay errors about one target are repeated at most this often: frames in flight to a peer that left are expected. */
const RELAY_ERROR_INTERVAL_MS = 1_000

/** After this many rejected messages a connection is closed: it is broken or hostile. */
const MAX_ERRORS_PER_CONNECTION = 100

interface Client {
  id: string
  socket: WebSocket
  errors: number
  relay: RelayState
  /** Last relay error per target, to rate-limit them. */
  relayErrors: Map<string, number>
}

export class SignalingHub {
  #clients = new Map<string, Client>()
  readonly #now: () => number
  /** Total bytes relayed since start. */
  relayedBytes = 0

  constructor(private readonly options: HubOptions) {
    this.#now = options.now ?? Date.now
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

  accept(socket: WebSocket): void {
    const id = randomBytes(16).toString('base64url')
    const client: Client = {
      id,
      socket,
      errors: 0,
      relay: new RelayState(socket, this.options.relay, this.#now),
      relayErrors: new Map(),
    }
    this.#clients.set(client.id, client)
    socket.on('message', (data, isBinary) => {
      try {
        if (isBinary) this.#onRelay(client, data as Buffer)
        else this.#onMessage(client, data.toString())
      } catch (err) {
        this.options.logger.error('message handler failed', { err: String(err) })
        this.#reject(client, 'internal', 'the server failed to handle this message')
      }
    })
    socket.on('close', () => this.#onClose(client))
    socket.on('error', () => socket.terminate())
    this.#send(client, {
      type: 'welcome',
      id: client.id,
      iceServers: this.options.iceServersFor(client.id),
      iceTransportPolicy: this.options.iceTransportPolicy,
      relay: { enabled: this.options.relay.enabled, afterMs: this.options.relay.afterMs },
      protocol: SIGNAL_PROTOCOL_VERSION,
    })
  }

  closeAll(): void {
    for (const client of this.#clients.values()) client.socket.close(1012, 'server restarting')
  }

  #onRelay(client: Client, data: Buffer): void {
    if (!this.options.relay.enabled) return this.#reject(client, 'relay-disabled', 'this server does not relay')
    const frame = decodeRelayFrame(data)
    if (!frame) return this.#reject(client, 'bad-message', 'malformed relay frame')
    const cid = cidFromDigest(frame.cidDigest)
    const target = this.#clients.get(frame.peer)
    const { tracker } = this.options
    if (!target || !tracker.isMember(frame.peer, cid) || !tracker.isMember(client.id, cid)) {
      return this.#relayError(client, frame, 'unknown-peer', 'that peer is not in this swarm (it may have left)')
    }
    if (!client.relay.withinBudget(data.length)) {
      return this.#relayError(client, frame, 'relay-budget', 'this connection has used its relay budget')
    }
    this.relayedBytes += data.length
    forward(client, target, encodeRelayFrame({ ...frame, peer: client.id }))
  }

  #relayError(client: Client, frame: RelayFrame, code: ErrorCode, message: string): void {
    const now = this.#now()
    const last = client.relayErrors.get(frame.peer) ?? -Infinity
    if (now - last < RELAY_ERROR_INTERVAL_MS) return
    if (client.relayErrors.size > 1000) client.relayErrors.clear()
    client.relayErrors.set(frame.peer, now)
    this.#send(client, { type: 'error', code, message, ref: 'relay', peer: frame.peer })
  }

  #onMessage(client: Client, text: string): void {
    let message: ClientMessage
    try {
      message = parseClientMessage(text)
    } catch (err) {
      if (err instanceof ProtocolError) return this.#reject(client, err.code, err.message)
      throw err
    }
    const { tracker } = this.options
    switch (message.type) {
      case 'announce':
        if (!tracker.join(client.id, message.cid, message.complete, this.options.maxSwarmsPerPeer)) {
          return this.#reject(client, 'too-many-swarms', `a connection may join at most ${this.options.maxSwarmsPerPeer} swarms`, message.type)
        }
        return this.#sendPeers(client, message.cid)
      case 'lookup':
        return this.#sendPeers(client, message.cid)
      case 'leave':
        return tracker.leave(client.id, message.cid)
      case 'signal': {
        const target = this.#clients.get(message.to)
        if (!target || !tracker.isMember(message.to, message.cid)) {
          return this.#reject(client, 'unknown-peer', 'that peer is not in this swarm (it may have left)', message.type)
        }
        return this.#send(target, { type: 'signal', from: client.id, cid: message.cid, data: message.data })
      }
    }
  }

  #sendPeers(client: Client, cid: string): void {
    this.#send(client, { type: 'peers', cid, peers: this.options.tracker.sample(cid, client.id, MAX_PEERS_PER_LOOKUP) })
  }

  #reject(client: Client, code: ErrorCode, message: string, ref?: string): void {
    client.errors++
    this.options.logger.debug('rejected message', { code })
    this.#send(client, { type: 'error', code, message, ref })
    if (client.errors >= MAX_ERRORS_PER_CONNECTION) client.socket.close(1008, 'too many invalid messages')
  }

  #send(client: Client, message: ServerMessage): void {
    // Control messages bypass relay backpressure: they are small and rare.
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(message))
  }

  #onClose(client: Client): void {
    this.#clients.delete(client.id)
    this.options.tracker.drop(client.id)
  }
}

