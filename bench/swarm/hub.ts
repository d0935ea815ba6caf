/**
 * The signaling server for the swarm simulator: the real server's swarm
 * state (signal-server/state/memory.ts, whose `sample` is the tracker's peer
 * selection) behind one SignalingClient per simulated peer, each message
 * taking its host's latency to the server on virtual time. Peer ids are the
 * network's host ids, so what the tracker names is what the network dials.
 *
 * Not modeled: the relay (a simulated peer always connects directly), pin
 * nodes, revocation, published mirror lists (none is ever published), rate
 * limits.
 */
import { DEFAULT_PIN_POLICY, type IceServer, type RelayPolicy } from '../../protocol/signal.js'
import { MAX_PEERS_PER_LOOKUP } from '../../protocol/limits.js'
import { MemoryState } from '../../signal-server/state/memory.js'
import type { SignalEvents, SignalStatus, SignalingClient } from '../../web/core/signaling/roles.js'
import { Emitter } from '../../web/core/util/emitter.js'
import type { SimNetwork } from './network.js'

/** The server's default for one connection. */
const MAX_SWARMS_PER_PEER = 1000

class SimSignalingClient implements SignalingClient {
  readonly events = new Emitter<SignalEvents>()
  status: SignalStatus = 'connecting'
  peerId: string | undefined
  readonly iceServers: IceServer[] = []
  readonly iceTransportPolicy = 'all' as const
  readonly pinPolicy = DEFAULT_PIN_POLICY
  readonly relayPolicy: RelayPolicy = { enabled: false, afterMs: 1_000 }
  readonly incompatible = undefined

  constructor(
    private readonly hub: SimHub,
    readonly id: string,
  ) {
    hub.toClient(id, () => {
      this.peerId = id
      this.status = 'open'
      this.events.emit('status', 'open')
      this.events.emit('welcome', { id, iceServers: [] })
    })
  }

  announce(cid: string, complete = false): void {
    this.hub.toServer(this.id, () => this.hub.track(this, cid, { complete, maxSwarms: MAX_SWARMS_PER_PEER }))
  }

  lookup(cid: string): void {
    this.hub.toServer(this.id, () => this.hub.track(this, cid, null))
  }

  leave(cid: string): void {
    this.hub.toServer(this.id, (state) => state.leave(this.id, cid))
  }

  signal(to: string, cid: string, data: Record<string, unknown>): void {
    this.hub.toServer(this.id, async (state) => {
      // As the server: only between two members of the swarm.
      if (!(await state.isMember(this.id, cid)) || !(await state.isMember(to, cid))) return
      const target = this.hub.client(to)
      this.hub.toClient(to, () => target?.deliver(() => target.events.emit('signal', { from: this.id, cid, data })))
    })
  }

  close(): void {
    this.status = 'closed'
    this.hub.disconnect(this.id)
  }

  deliver(emit: () => void): void {
    if (this.status === 'open') emit()
  }

  getMirrors(cid: string): void {
    this.hub.toServer(this.id, () => this.hub.toClient(this.id, () => this.deliver(() => this.events.emit('mirrors', { cid, list: null }))))
  }

  publishMirrors(): void {}

  sendRelay(): boolean {
    return false
  }

  whenRelayDrained(): void {}
  openRelay(): void {}
  closeRelay(): void {}
  revoke(): void {}
  pin(): void {}
  pinHoldings(): void {}
  pinReport(): void {}
}

export class SimHub {
  readonly #state: MemoryState
  readonly #clients = new Map<string, SimSignalingClient>()
  /** Announces and lookups the server answered: its load. */
  lookups = 0

  constructor(
    private readonly net: SimNetwork,
    random: () => number,
    private readonly maxPeersPerLookup = MAX_PEERS_PER_LOOKUP,
  ) {
    this.#state = new MemoryState(random)
  }

  /** A signaling connection for the host `id`; it opens after one trip from the server. */
  connect(id: string): SignalingClient {
    const client = new SimSignalingClient(this, id)
    this.#clients.set(id, client)
    return client
  }

  client(id: string): SimSignalingClient | undefined {
    return this.#clients.get(id)
  }

  disconnect(id: string): void {
    if (!this.#clients.delete(id)) return
    this.toServer(id, (state) => state.drop(id), true)
  }

  /** An announce (`join` given) or a lookup, answered as the server's tracker does (no revocations here). */
  async track(client: SimSignalingClient, cid: string, join: { complete: boolean; maxSwarms: number } | null): Promise<void> {
    this.lookups++
    const result = await this.#state.track(client.id, cid, join, this.maxPeersPerLookup)
    const peers = 'peers' in result ? result.peers : []
    this.toClient(client.id, () => client.deliver(() => client.events.emit('peers', { cid, peers })))
  }

  /** Runs `handle` at the server once a message from `from` has arrived. */
  toServer(from: string, handle: (state: MemoryState) => unknown, evenIfGone = false): void {
    this.net.clock.setTimeout(() => {
      if (evenIfGone || this.#clients.has(from)) void handle(this.#state)
    }, this.net.latencyToCore(from))
  }

  /** Runs `deliver` at client `to` once a message from the server has arrived. */
  toClient(to: string, deliver: () => void): void {
    this.net.clock.setTimeout(() => this.#clients.has(to) && deliver(), this.net.latency(to, to) / 2)
  }
}
