/**
 * The seam between the swarm and whatever carries its frames: one ordered,
 * reliable, message-oriented channel to one remote peer. WebRTC data
 * channels, the server relay and in-memory pairs all implement it.
 *
 * Backpressure is part of the contract: send() always takes the frame, and
 * returns false once the channel's buffer is above its high-water mark; the
 * caller then waits for 'drain' before sending more.
 *
 * Messages that arrive before the first 'message' listener is attached are
 * held and delivered to it, in order: a channel can open and receive before
 * its owner has wired it up.
 */
import type { IceServer } from '../../../protocol/signal.js'
import type { Emitter } from '../util/emitter.js'

/** How the bytes travel, as the UI shows it. */
export type LinkKind = 'direct' | 'turn' | 'relay' | 'memory' | 'mirror'

export interface ConnectionEvents extends Record<string, unknown> {
  message: Uint8Array
  drain: undefined
  /** Emitted once. `local` is true when this side called close(). */
  close: { reason: string; local: boolean }
}

export interface Connection {
  /** The server-assigned id of the remote peer. */
  readonly remotePeer: string
  readonly kind: LinkKind
  readonly events: Pick<Emitter<ConnectionEvents>, 'on' | 'off'>
  readonly closed: boolean
  /** Queues one frame; false means "buffer full, wait for drain". Throws if closed. */
  send(frame: Uint8Array): boolean
  close(reason: string): void
}

/** A connection attempt to one peer, fed with that peer's signals. */
export interface Dial {
  signal(data: Record<string, unknown>): void
  /** Resolves when the channel is open; rejects on failure or timeout. */
  readonly connected: Promise<Connection>
  abort(reason: string): void
}

export interface DialOptions {
  remotePeer: string
  initiator: boolean
  iceServers: IceServer[]
  iceTransportPolicy?: 'all' | 'relay'
  /** Delivers one signal object to the remote peer (through the server). */
  sendSignal(data: Record<string, unknown>): void
  connectTimeoutMs: number
}

export type DialFn = (options: DialOptions) => Dial
