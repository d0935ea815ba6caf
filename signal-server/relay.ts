/**
 * The relay: forwards binary relay frames (protocol/relay.ts) from one peer
 * to another member of the same swarm, opaque, with limits:
 *
 * - a byte-rate per sending connection: past it, the server stops reading
 *   from that socket until the tokens refill (TCP pushes back on the sender;
 *   what the kernel had already buffered still passes, so the rate holds over
 *   seconds, not per frame);
 * - a total budget per sending connection, and one per client address that
 *   refills over a day (quota.ts, kept by the hub): past either, frames are
 *   refused with an error;
 * - backpressure: when the receiver's socket has more than MAX_BUFFERED bytes
 *   waiting, the server stops reading from the sender until they are written.
 *   One fast sender cannot grow server memory behind one slow receiver.
 */
import type { WebSocket } from 'ws'
import type { Clock, Timer } from './clock.js'

/** Bytes queued to one receiver before its senders are paused. */
export const RELAY_MAX_BUFFERED_BYTES = 1024 * 1024

/** Bytes a connection may send at once above its rate, in seconds of that rate. */
const BURST_SECONDS = 0.25

export interface RelayLimits {
  bytesPerSecond: number
  budgetBytes: number
}

export interface RelayEndpoint {
  readonly socket: WebSocket
  relay: RelayState
}

/** Why the server stopped reading from a connection: its relay byte rate, a slow receiver, or its message rate. */
export type PauseReason = 'rate' | 'backpressure' | 'messages'

export class RelayState {
  relayedBytes = 0
  #tokens = 0
  #last = 0
  #pausedBy = new Set<PauseReason>()
  #timers: Partial<Record<PauseReason, Timer>> = {}

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: RelayLimits,
    private readonly clock: Clock,
    /** Told each time a reason to stop reading begins (tests wait on it instead of on time). */
    private readonly onPause: (reason: PauseReason) => void = () => {},
  ) {
    this.#last = clock.now()
    this.#tokens = limits.bytesPerSecond * BURST_SECONDS
  }

  get paused(): boolean {
    return this.#pausedBy.size > 0
  }

  /** Whether the budget allows `bytes` more. */
  withinBudget(bytes: number): boolean {
    return this.limits.budgetBytes <= 0 || this.relayedBytes + bytes <= this.limits.budgetBytes
  }

  /** Counts bytes sent by this connection and pauses it when it outruns its rate. */
  charge(bytes: number): void {
    this.relayedBytes += bytes
    const rate = this.limits.bytesPerSecond
    if (rate <= 0) return
    const now = this.clock.now()
    this.#tokens = Math.min(rate * BURST_SECONDS, this.#tokens + ((now - this.#last) * rate) / 1000)
    this.#last = now
    this.#tokens -= bytes
    // Frames read before the pause took effect deepen the debt: resume only once it is paid.
    if (this.#tokens < 0) this.pauseFor('rate', (-this.#tokens * 1000) / rate)
  }

  /** Stops reading for `ms` (a later call replaces the time left). */
  pauseFor(reason: 'rate' | 'messages', ms: number): void {
    this.pause(reason)
    this.clock.clearTimeout(this.#timers[reason])
    this.#timers[reason] = this.clock.setTimeout(() => this.resume(reason), ms)
  }

  pause(reason: PauseReason): void {
    if (this.#pausedBy.has(reason)) return
    if (this.#pausedBy.size === 0 && this.socket.readyState === this.socket.OPEN) this.socket.pause()
    this.#pausedBy.add(reason)
    this.onPause(reason)
  }

  resume(reason: PauseReason): void {
    if (!this.#pausedBy.delete(reason) || this.#pausedBy.size > 0) return
    if (this.socket.readyState === this.socket.OPEN) this.socket.resume()
  }
}

/** Sends `message` to `to`; pauses `from` while `to` is backed up. */
export function forward(from: RelayEndpoint, to: RelayEndpoint, message: Uint8Array): void {
  from.relay.charge(message.length)
  to.socket.send(message, { binary: true }, () => {
    if (from.relay.paused && to.socket.bufferedAmount <= RELAY_MAX_BUFFERED_BYTES / 2) from.relay.resume('backpressure')
  })
  if (to.socket.bufferedAmount > RELAY_MAX_BUFFERED_BYTES) from.relay.pause('backpressure')
}
