/**
 * The signaling hub: assigns each connection a peer id, keeps the tracker
 * (who is in which swarm) and forwards WebRTC signals between peers of one
 * swarm. Every message is validated at the edge (protocol/signal.ts); a bad
 * one gets an error reply, never an exception out of this file.
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
import type { Logger } from './log.js'
import type { TrackerState } from './tracker.js'

export interface HubOptions {
  tracker: TrackerState
  iceServers: IceServer[]
  maxSwarmsPerPeer: number
  logger: Logger
}

/** After this many rejected messages a connection is closed: it is broken or hostile. */
const MAX_ERRORS_PER_CONNECTION = 100

interface Client {
  id: string
  socket: WebSocket
  errors: number
}

export class SignalingHub {
  #clients = new Map<string, Client>()

  constructor(private readonly options: HubOptions) {}

  get peerCount(): number {
    return this.#clients.size
  }

  accept(socket: WebSocket): void {
    const client: Client = { id: randomBytes(16).toString('base64url'), socket, errors: 0 }
    this.#clients.set(client.id, client)
    socket.on('message', (data, isBinary) => {
      try {
        this.#onMessage(client, isBinary ? null : data.toString())
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
      iceServers: this.options.iceServers,
      protocol: SIGNAL_PROTOCOL_VERSION,
    })
  }

  closeAll(): void {
    for (const client of this.#clients.values()) client.socket.close(1012, 'server restarting')
  }

  #onMessage(client: Client, text: string | null): void {
    if (text === null) return this.#reject(client, 'bad-message', 'binary messages are not accepted here')
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
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(message))
  }

  #onClose(client: Client): void {
    this.#clients.delete(client.id)
    this.options.tracker.drop(client.id)
  }
}
