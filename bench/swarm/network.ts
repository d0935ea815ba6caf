/**
 * A modeled network on virtual time, for the swarm simulator: each host has
 * an uplink and a downlink of fixed rate and a one-way latency to the core;
 * connections between hosts implement the real Connection seam, so the
 * engine's own wires, swarms and peer links run on top unchanged.
 *
 * A frame leaves through its host's uplink (one frame at a time, round-robin
 * over that host's connections: fair shares, as congestion control gives
 * parallel flows), travels both hosts' latencies, then queues on the
 * receiver's downlink. Loss costs what it costs a reliable ordered channel:
 * the frame is sent again (uplink time twice) and arrives a round trip late,
 * holding back the frames behind it on that connection. Backpressure is the
 * seam's: send() says false once the connection's unsent bytes pass the
 * high-water mark, and 'drain' follows when they fall back under it.
 */
import type { ManualClock } from '../../web/core/util/clock.js'
import type { Connection } from '../../web/core/transport/transport.js'
import { ConnectionEventSource } from '../../web/core/transport/connection-events.js'

export interface HostLinks {
  /** Bytes per second this host can send. */
  upBytesPerSecond: number
  /** Bytes per second this host can receive. */
  downBytesPerSecond: number
  /** One way, host to the core of the network. */
  latencyMs: number
  /** Probability that a frame is lost once and retransmitted. */
  loss?: number
}

/** Bytes each host moved, for the report. */
export interface HostCounters {
  sent: number
  received: number
}

class Uplink {
  readonly #ends: SimConnection[] = []
  #next = 0
  #busy = false

  constructor(
    private readonly net: SimNetwork,
    readonly host: SimHost,
  ) {}

  wake(end: SimConnection): void {
    if (!this.#ends.includes(end)) this.#ends.push(end)
    if (!this.#busy) this.#sendNext()
  }

  forget(end: SimConnection): void {
    const i = this.#ends.indexOf(end)
    if (i < 0) return
    this.#ends.splice(i, 1)
    if (this.#next > i) this.#next--
  }

  #sendNext(): void {
    if (this.#ends.length === 0) return
    this.#next %= this.#ends.length
    const end = this.#ends[this.#next]
    const frame = end.takeFrame()
    if (!frame) {
      this.forget(end)
      return this.#sendNext()
    }
    this.#next++
    const lost = this.net.random() < (this.host.links.loss ?? 0)
    const ms = ((lost ? 2 : 1) * frame.length * 1000) / this.host.links.upBytesPerSecond
    this.#busy = true
    this.net.clock.setTimeout(() => {
      this.#busy = false
      this.host.counters.sent += frame.length
      // The next frame first: sent() may drain, and a wake meanwhile must find the uplink busy.
      this.#sendNext()
      end.sent(frame, lost)
    }, ms)
  }
}

class Downlink {
  #freeAt = 0

  constructor(
    private readonly net: SimNetwork,
    readonly host: SimHost,
  ) {}

  /** A frame that has crossed the network; delivered once this host's downlink has taken it in. */
  arrive(end: SimConnection, frame: Uint8Array): void {
    const now = this.net.clock.now()
    this.#freeAt = Math.max(this.#freeAt, now) + (frame.length * 1000) / this.host.links.downBytesPerSecond
    this.net.clock.setTimeout(() => {
      this.host.counters.received += frame.length
      end.deliver(frame)
    }, this.#freeAt - now)
  }
}

export class SimHost {
  readonly counters: HostCounters = { sent: 0, received: 0 }
  readonly uplink: Uplink
  readonly downlink: Downlink
  readonly connections = new Set<SimConnection>()
  online = true

  constructor(
    net: SimNetwork,
    readonly id: string,
    readonly links: HostLinks,
  ) {
    this.uplink = new Uplink(net, this)
    this.downlink = new Downlink(net, this)
  }
}

class SimConnection implements Connection {
  readonly kind = 'memory' as const
  readonly #source = new ConnectionEventSource()
  readonly events = this.#source.events
  closed = false
  peer!: SimConnection
  #queue: Uint8Array[] = []
  #buffered = 0
  /** When this connection's last frame reaches the far side: later frames may not overtake it. */
  #lastArrival = 0

  constructor(
    private readonly net: SimNetwork,
    readonly host: SimHost,
    readonly remotePeer: string,
  ) {}

  send(frame: Uint8Array): boolean {
    if (this.closed) throw new Error('connection is closed')
    this.#queue.push(frame.slice())
    this.#buffered += frame.length
    this.host.uplink.wake(this)
    return this.#buffered <= this.net.highWaterMark
  }

  /** The uplink takes the next frame to send. */
  takeFrame(): Uint8Array | undefined {
    return this.closed ? undefined : this.#queue.shift()
  }

  /** The uplink has put `frame` on the wire. */
  sent(frame: Uint8Array, lost: boolean): void {
    if (this.closed) return
    const wasFull = this.#buffered > this.net.highWaterMark
    this.#buffered -= frame.length
    const now = this.net.clock.now()
    const oneWay = this.host.links.latencyMs + this.peer.host.links.latencyMs
    this.#lastArrival = Math.max(this.#lastArrival, now + oneWay * (lost ? 3 : 1))
    const peer = this.peer
    this.net.clock.setTimeout(() => !peer.closed && peer.host.downlink.arrive(peer, frame), this.#lastArrival - now)
    if (wasFull && this.#buffered <= this.net.highWaterMark) this.#source.drain()
  }

  deliver(frame: Uint8Array): void {
    if (!this.closed) this.#source.message(frame)
  }

  close(reason: string): void {
    if (this.closed) return
    this.#shut(reason, true)
    // The far side hears of it after the frames already on their way, as with an ordered channel's close.
    const peer = this.peer
    const oneWay = this.host.links.latencyMs + peer.host.links.latencyMs
    const at = Math.max(this.#lastArrival, this.net.clock.now() + oneWay)
    this.net.clock.setTimeout(() => peer.#shut(reason, false), at - this.net.clock.now())
  }

  #shut(reason: string, local: boolean): void {
    if (this.closed) return
    this.closed = true
    this.#queue = []
    this.host.uplink.forget(this)
    this.host.connections.delete(this)
    this.#source.close(reason, local)
  }
}

export class SimNetwork {
  readonly #hosts = new Map<string, SimHost>()

  /**
   * @param highWaterMark unsent bytes per connection above which send() says
   *   false, as a data channel's bufferedAmount: scaled with the pieces, or a
   *   seeder's buffers would hold many times what its uplink can send.
   */
  constructor(
    readonly clock: ManualClock,
    readonly random: () => number,
    readonly highWaterMark = 256 * 1024,
  ) {}

  addHost(id: string, links: HostLinks): SimHost {
    if (this.#hosts.has(id)) throw new Error(`host ${id} exists`)
    const host = new SimHost(this, id, links)
    this.#hosts.set(id, host)
    return host
  }

  host(id: string): SimHost | undefined {
    return this.#hosts.get(id)
  }

  /** One-way latency from a host to the core (where the server is). */
  latencyToCore(id: string): number {
    return this.#hosts.get(id)?.links.latencyMs ?? 0
  }

  /** One-way latency between two hosts. */
  latency(a: string, b: string): number {
    return this.latencyToCore(a) + this.latencyToCore(b)
  }

  /** Returns [a's end (to b), b's end (to a)]. */
  connect(a: string, b: string): [Connection, Connection] {
    const hostA = this.#need(a)
    const hostB = this.#need(b)
    const ab = new SimConnection(this, hostA, b)
    const ba = new SimConnection(this, hostB, a)
    ab.peer = ba
    ba.peer = ab
    hostA.connections.add(ab)
    hostB.connections.add(ba)
    return [ab, ba]
  }

  /**
   * The host leaves: its connections end. The far ends notice one round trip
   * later (a tab closing sends its close; a crash would be noticed later still).
   */
  removeHost(id: string): void {
    const host = this.#hosts.get(id)
    if (!host) return
    host.online = false
    for (const end of [...host.connections]) end.close('the peer left')
    this.#hosts.delete(id)
  }

  #need(id: string): SimHost {
    const host = this.#hosts.get(id)
    if (!host?.online) throw new Error(`host ${id} is not on the network`)
    return host
  }
}
