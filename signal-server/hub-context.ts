/**
 * What the message handlers (handlers/) share with the hub (signaling.ts):
 * the connections, sending, rejecting, and delivery to a peer on this
 * process or, through the state, on another.
 */
import type { WebSocket } from 'ws'
import type { ClientMessage, ErrorCode, ServerMessage } from '../protocol/signal.js'
import type { TombstoneCheck } from '../format/tombstone-stream.js'
import type { MirrorListCheck } from '../format/mirror-list-stream.js'
import type { Clock } from './clock.js'
import type { HubOptions } from './hub-options.js'
import type { MessageRate } from './message-rate.js'
import type { RelayState } from './relay.js'

export interface Client {
  id: string
  socket: WebSocket
  /** The key per-address limits count under (access.ts). */
  address: string
  /** Whether the client said hello with our protocol version; nothing else is handled before. */
  greeted: boolean
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
  /** A published mirror list whose manifest is still arriving (at most one of the two is set). */
  mirrorList: MirrorListCheck | null
}

export interface HubContext {
  readonly options: HubOptions
  readonly clock: Clock
  client(id: string): Client | undefined
  send(client: Client, message: ServerMessage): void
  /** Sends to `peer` here or on another process; false: it is connected nowhere (or, elsewhere, not in swarm `inSwarm`). */
  deliver(peer: string, message: ServerMessage, inSwarm?: string): Promise<boolean>
  reject(client: Client, code: ErrorCode, message: string, ref?: string, peer?: string): void
}

/** One handler per message type: each family's module (handlers/) provides its own. */
export type Handlers<T extends ClientMessage['type'] = ClientMessage['type']> = {
  [K in T]: (client: Client, message: Extract<ClientMessage, { type: K }>) => Promise<void> | void
}
