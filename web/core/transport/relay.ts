/**
 * A Connection through the server's relay: the same wire frames, carried as
 * binary relay frames over the signaling WebSocket to one remote peer. The
 * server forwards them without being able to read them (pieces are sealed).
 *
 * Backpressure follows the WebSocket's buffer: send() returns false above the
 * high-water mark and 'drain' fires when the channel reports it has drained.
 */
import { ConnectionEventSource } from './connection-events.js'
import type { Connection } from './transport.js'

/** What a relay connection needs from the signaling client. */
export interface RelayChannel {
  /** Sends one wire frame to `to` in swarm `cidDigest`; false when the socket's buffer is full. */
  sendRelay(to: string, cidDigest: Uint8Array, frame: Uint8Array): boolean
  /** Calls back once the socket's buffer has drained below its low-water mark. */
  whenRelayDrained(callback: () => void): void
}

export class RelayConnection implements Connection {
  readonly kind = 'relay' as const
  readonly #source = new ConnectionEventSource()
  readonly events = this.#source.events
  closed = false
  #waitingForDrain = false

  constructor(
    readonly remotePeer: string,
    private readonly cidDigest: Uint8Array,
    private readonly channel: RelayChannel,
    /** Told when this side closes, so the remote can close its end. */
    private readonly onLocalClose: (reason: string) => void,
  ) {}

  send(frame: Uint8Array): boolean {
    if (this.closed) throw new Error('connection is closed')
    const ok = this.channel.sendRelay(this.remotePeer, this.cidDigest, frame)
    if (!ok && !this.#waitingForDrain) {
      this.#waitingForDrain = true
      this.channel.whenRelayDrained(() => {
        this.#waitingForDrain = false
        if (!this.closed) this.#source.drain()
      })
    }
    return ok
  }

  /** A frame arrived for this connection. */
  deliver(frame: Uint8Array): void {
    if (!this.closed) this.#source.message(frame)
  }

  close(reason: string): void {
    if (this.closed) return
    this.onLocalClose(reason)
    this.shut(reason, true)
  }

  /** Closes without telling the remote (it told us, or the server link is gone). */
  shut(reason: string, local = false): void {
    if (this.closed) return
    this.closed = true
    this.#source.close(reason, local)
  }
}
