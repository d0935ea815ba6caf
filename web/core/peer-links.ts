/**
 * The engine's peer connections: which are being negotiated, how many each
 * swarm and the page may have, and falling back to the server relay when a
 * direct connection does not open. Peers come from the server's lookups and
 * from peers' own offers; each open connection goes to its drop's swarm.
 */
import type { RelaySetup, ServerLink, SignalChannel, Tracker } from './signaling/roles.js'
import type { Dial, DialFn } from './transport/transport.js'
import { RelayConnection } from './transport/relay.js'
import { type Cid, cidFromDigest, digestOfCid } from '../../format/cid.js'
import type { Drop } from './drop.js'
import type { Clock } from './util/clock.js'

/** The roles peer links use: the tracker's answers, WebRTC signals, the relay. */
/**
 * The signal that answers an offer we have no room for: the dialer gives up
 * at once instead of waiting out its connect timeout with a slot held.
 */
export const NO_ROOM = 'no-room'

export type PeerSignaling = ServerLink & Tracker & SignalChannel & RelaySetup

export interface PeerLinksOptions {
  signaling: PeerSignaling
  dial: DialFn
  /** The running drops, by CID. */
  drops: ReadonlyMap<Cid, Drop>
  maxPeersPerSwarm: number
  maxConnections: number
  connectTimeoutMs: number
  /** The relay fallback's timer runs on it. */
  clock: Clock
}

export class PeerLinks {
  readonly #options: PeerLinksOptions
  readonly #dials = new Map<string, Dial>()
  /** Keys of the dials in #dials that we started (we sent the offer). */
  readonly #offering = new Set<string>()
  /** Relay connections by `${cid}|${peer}`, to route incoming relay frames. */
  readonly #relays = new Map<string, RelayConnection>()
  readonly #unsubscribe: (() => void)[]

  constructor(options: PeerLinksOptions) {
    this.#options = options
    const { signaling } = options
    this.#unsubscribe = [
      signaling.events.on('peers', ({ cid, peers }) => this.#onPeers(cid as Cid, peers)),
      signaling.events.on('signal', ({ from, cid, data }) => this.#onSignal(from, cid as Cid, data)),
      signaling.events.on('relay', ({ from, cidDigest, frame }) => {
        this.#relays.get(`${cidFromDigest(cidDigest)}|${from}`)?.deliver(frame)
      }),
      signaling.events.on('relay-open', ({ from, cid }) => this.#onRelayOpen(from, cid as Cid)),
      signaling.events.on('relay-close', ({ from, cid }) => this.#relays.get(`${cid}|${from}`)?.shut('the peer closed the relay')),
      signaling.events.on('error', ({ ref, peer, message }) => {
        if ((ref !== 'relay' && ref !== 'relay-open') || !peer) return
        for (const [key, relay] of this.#relays) if (key.endsWith(`|${peer}`)) relay.shut(`relay: ${message}`)
      }),
      signaling.events.on('status', (status) => {
        // Relay connections ride on the server link: they end with it (direct ones go on).
        if (status !== 'open') for (const relay of [...this.#relays.values()]) relay.shut('lost the connection to the server')
      }),
    ]
  }

  /** Gives up the connections still being negotiated for a stopped drop. */
  stop(cid: Cid): void {
    for (const [key, dial] of this.#dials) if (key.startsWith(`${cid}|`)) dial.abort('drop stopped')
  }

  close(): void {
    this.#unsubscribe.forEach((u) => u())
  }

  #connectionCount(): number {
    let n = this.#dials.size
    for (const t of this.#options.drops.values()) n += t.swarm.peerCount
    return n
  }

  /**
   * Whether one more connection may be opened for this drop, freeing an idle
   * one if needed. We dial only up to half the swarm limit and keep the rest
   * for peers that dial us: otherwise the first arrivals fill every slot with
   * each other within seconds, and everyone after them forms a second swarm
   * that never reaches the first (nor the seeder, nor the manifest).
   */
  #hasRoom(drop: Drop, dialing: boolean): boolean {
    const limit = dialing ? this.dialLimit : this.#options.maxPeersPerSwarm
    let pending = 0
    for (const key of this.#dials.keys()) if (key.startsWith(`${drop.cid}|`)) pending++
    const inSwarm = drop.swarm.peerCount + pending
    if (inSwarm >= limit && !drop.swarm.makeRoom()) return false
    if (this.#connectionCount() >= this.#options.maxConnections && !drop.swarm.makeRoom()) return false
    return true
  }

  /** Connections per swarm we open ourselves. */
  get dialLimit(): number {
    return Math.ceil(this.#options.maxPeersPerSwarm / 2)
  }

  /** Whether the drop would dial more peers: worth asking the tracker for some. */
  wantsPeers(drop: Drop): boolean {
    return drop.swarm.peerCount < this.dialLimit
  }

  #onPeers(cid: Cid, peers: string[]): void {
    const drop = this.#options.drops.get(cid)
    if (!drop) return
    // The server lists the most useful peers first.
    for (const peer of peers) {
      if (peer === this.#options.signaling.peerId) continue
      if (drop.swarm.hasPeer(peer) || drop.swarm.refuses(peer) || this.#dials.has(`${cid}|${peer}`)) continue
      if (!this.#hasRoom(drop, true)) return
      this.#startDial(drop, peer, true)
    }
  }

  #onRelayOpen(from: string, cid: Cid): void {
    const drop = this.#options.drops.get(cid)
    if (drop && (this.#dials.has(`${cid}|${from}`) || this.#hasRoom(drop, false))) this.#openRelay(drop, from, false)
    else this.#options.signaling.closeRelay(from, cid)
  }

  #onSignal(from: string, cid: Cid, data: Record<string, unknown>): void {
    const drop = this.#options.drops.get(cid)
    if (!drop) return
    const key = `${cid}|${from}`
    let dial = this.#dials.get(key)
    if (dial && data.type === 'offer' && this.#offering.has(key)) {
      // Both sides dialed at once (they looked each other up together): the lower id's offer wins.
      // Without a rule both attempts die, each end refusing the other's offer.
      if ((this.#options.signaling.peerId ?? '') < from) return
      this.#giveUp(key, dial, 'the peer offered at the same time; answering its offer')
      dial = undefined
    }
    if (data.type === NO_ROOM) {
      if (dial && this.#offering.has(key)) this.#giveUp(key, dial, 'the peer has no room for another connection')
      return
    }
    if (!dial) {
      // Only an offer may start a connection; a stray answer or candidate is dropped.
      if (data.type !== 'offer') return
      if (!this.#hasRoom(drop, false)) return this.#options.signaling.signal(from, cid, { type: NO_ROOM })
      dial = this.#startDial(drop, from, false)
    }
    dial.signal(data)
  }

  /** Ends our own offer without the relay fallback: the peer answered that it will not take it this way. */
  #giveUp(key: string, dial: Dial, reason: string): void {
    this.#dials.delete(key)
    this.#offering.delete(key)
    dial.abort(reason)
  }

  /**
   * Negotiates a direct connection. The initiator falls back to the relay if it
   * has not opened after the server's `relay.afterMs`, or fails sooner; the
   * direct attempt goes on, and if it opens later it replaces the relay.
   */
  #startDial(drop: Drop, remotePeer: string, initiator: boolean): Dial {
    const key = `${drop.cid}|${remotePeer}`
    const { signaling } = this.#options
    const active = () => this.#options.drops.get(drop.cid) === drop
    const dial = this.#options.dial({
      remotePeer,
      initiator,
      iceServers: signaling.iceServers,
      iceTransportPolicy: signaling.iceTransportPolicy,
      sendSignal: (data) => signaling.signal(remotePeer, drop.cid, data),
      connectTimeoutMs: this.#options.connectTimeoutMs,
    })
    this.#dials.set(key, dial)
    if (initiator) this.#offering.add(key)
    const relay = signaling.relayPolicy
    const current = () => this.#dials.get(key) === dial
    const fallBack = () => {
      if (initiator && relay.enabled && active() && !this.#relays.has(key) && !drop.swarm.hasPeer(remotePeer)) {
        this.#openRelay(drop, remotePeer, true)
      }
    }
    const timer = this.#options.clock.setTimeout(fallBack, relay.afterMs)
    const settled = () => {
      this.#options.clock.clearTimeout(timer)
      if (!current()) return false
      this.#dials.delete(key)
      this.#offering.delete(key)
      return true
    }
    dial.connected.then(
      (connection) => {
        if (!settled()) return connection.close("replaced by the peer's own offer")
        if (active())
          drop.swarm.addConnection(connection) // replaces a relay to the same peer: the upgrade
        else connection.close('drop stopped')
      },
      () => {
        if (settled()) fallBack()
      },
    )
    return dial
  }

  #openRelay(drop: Drop, remotePeer: string, initiator: boolean): void {
    const key = `${drop.cid}|${remotePeer}`
    const { signaling } = this.#options
    this.#relays.get(key)?.shut('replaced by a newer relay')
    const relay = new RelayConnection(remotePeer, digestOfCid(drop.cid), signaling, () => signaling.closeRelay(remotePeer, drop.cid))
    this.#relays.set(key, relay)
    relay.events.on('close', () => {
      if (this.#relays.get(key) === relay) this.#relays.delete(key)
    })
    // The relay-open goes out before our first relayed frame (HELLO), over the same socket, so it arrives first.
    if (initiator) signaling.openRelay(remotePeer, drop.cid)
    drop.swarm.addConnection(relay)
  }
}
