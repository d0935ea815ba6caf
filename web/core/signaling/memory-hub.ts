/**
 * An in-process signaling hub: the server's tracker and signal forwarding
 * without a network, so engines can be tested together in Node. `restart()`
 * drops every client as a server restart would; they come back with new ids
 * and announce again.
 */
import { DEFAULT_PIN_POLICY, type ErrorCode, type IceServer, type RelayPolicy } from '../../../protocol/signal.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { cidFromDigest } from '../../../format/cid.js'
import { TombstoneCheck } from '../../../format/tombstone-stream.js'
import { MirrorListCheck } from '../../../format/mirror-list-stream.js'
import { decodeMirrorList } from '../../../format/mirror-list.js'
import { fromBase64Url } from '../../../format/bytes.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { Emitter } from '../util/emitter.js'
import type { SignalEvents, SignalStatus, SignalingClient } from './roles.js'

class MemorySignalingClient implements SignalingClient {
  readonly events = new Emitter<SignalEvents>()
  status: SignalStatus = 'connecting'
  peerId: string | undefined
  readonly iceServers: IceServer[] = []
  readonly iceTransportPolicy = 'all' as const
  readonly pinPolicy = DEFAULT_PIN_POLICY
  /** The in-process hub speaks every client's version. */
  readonly incompatible = undefined
  readonly joined = new Map<string, boolean>()
  /** Asked again after a (re)connect, as the WebSocket client does. */
  readonly mirrorsWanted = new Set<string>()

  constructor(private readonly hub: MemorySignalingHub) {}

  get relayPolicy(): RelayPolicy {
    return this.hub.relayPolicy
  }

  sendRelay(to: string, cidDigest: Uint8Array, frame: Uint8Array): boolean {
    if (this.status === 'open') this.hub.relay(this, to, cidDigest, frame)
    return true
  }

  whenRelayDrained(callback: () => void): void {
    queueMicrotask(callback)
  }

  openRelay(to: string, cid: string): void {
    if (this.status === 'open') this.hub.relaySetup(this, 'relay-open', to, cid)
  }

  closeRelay(to: string, cid: string): void {
    if (this.status === 'open') this.hub.relaySetup(this, 'relay-close', to, cid)
  }

  announce(cid: string, complete = false): void {
    this.joined.set(cid, complete)
    if (this.status === 'open') this.hub.announce(this, cid)
  }

  lookup(cid: string): void {
    if (this.status === 'open') this.hub.lookup(this, cid)
  }

  leave(cid: string): void {
    this.joined.delete(cid)
    this.mirrorsWanted.delete(cid)
  }

  signal(to: string, cid: string, data: Record<string, unknown>): void {
    if (this.status === 'open') this.hub.forward(this, to, cid, data)
  }

  revoke(cid: string, secret: string, manifest: Uint8Array): void {
    if (this.status === 'open') this.hub.revoke(this, cid, secret, manifest)
  }

  getMirrors(cid: string): void {
    this.mirrorsWanted.add(cid)
    if (this.status === 'open') this.hub.getMirrors(this, cid)
  }

  publishMirrors(cid: string, list: string, manifest: Uint8Array): void {
    if (this.status === 'open') void this.hub.publishMirrors(this, cid, list, manifest)
  }

  /** The in-process hub has no pin nodes, and says so (pinning is tested against the real server). */
  pin(cid: string): void {
    queueMicrotask(() => this.events.emit('pin-status', { cid, nodes: 0, holders: 0, complete: 0, replicas: 0 }))
  }

  pinHoldings(): void {}

  pinReport(): void {}

  close(): void {
    this.hub.disconnect(this)
    this.status = 'closed'
  }

  setStatus(status: SignalStatus): void {
    this.status = status
    this.events.emit('status', status)
  }
}

export class MemorySignalingHub {
  #clients = new Map<string, MemorySignalingClient>()
  #nextId = 0
  up = true
  relayedBytes = 0
  /** cid → revoke secret, as the server keeps them. */
  readonly tombstones = new Map<string, string>()
  /** cid → published mirror list (base64url) and its seq, as the server keeps them. */
  readonly mirrorLists = new Map<string, { seq: number; list: string }>()
  /** false: the hub confirms a revocation to its sender and neither records nor forwards it; peers must hear it from each other. */
  forwardsRevocations = true

  constructor(readonly relayPolicy: RelayPolicy = { enabled: true, afterMs: 1_000 }) {}

  client(): SignalingClient {
    const client = new MemorySignalingClient(this)
    queueMicrotask(() => this.#welcome(client))
    return client
  }

  /** Drops every client; they reconnect (with new ids) after `downMs`. */
  restart(downMs: number): void {
    const clients = [...this.#clients.values()]
    this.#clients.clear()
    this.up = false
    for (const c of clients) {
      c.peerId = undefined
      c.setStatus('connecting')
    }
    setTimeout(() => {
      this.up = true
      for (const c of clients) this.#welcome(c)
    }, downMs)
  }

  announce(client: MemorySignalingClient, cid: string): void {
    this.lookup(client, cid)
  }

  lookup(client: MemorySignalingClient, cid: string): void {
    const secret = this.tombstones.get(cid)
    if (secret) return queueMicrotask(() => client.events.emit('revoked', { cid, secret }))
    const peers = [...this.#clients.values()].filter((c) => c !== client && c.joined.has(cid)).map((c) => c.peerId!)
    queueMicrotask(() => client.events.emit('peers', { cid, peers }))
  }

  forward(from: MemorySignalingClient, to: string, cid: string, data: Record<string, unknown>): void {
    const target = this.#clients.get(to)
    // Both ends must be in the swarm, as on the server.
    if (!target?.joined.has(cid) || !from.joined.has(cid)) return
    queueMicrotask(() => target.events.emit('signal', { from: from.peerId!, cid, data }))
  }

  /** As the server: between two members only; a refused relay-open is answered with the server's errors. */
  relaySetup(from: MemorySignalingClient, type: 'relay-open' | 'relay-close', to: string, cid: string): void {
    const target = this.#clients.get(to)
    const refusal: [ErrorCode, string] | null = !this.relayPolicy.enabled
      ? ['relay-disabled', 'this hub does not relay']
      : !from.joined.has(cid)
        ? ['not-in-swarm', 'announce a drop before relaying to its peers']
        : !target?.joined.has(cid)
          ? ['unknown-peer', 'that peer is not in this swarm (it may have left)']
          : null
    if (!refusal) return queueMicrotask(() => target!.events.emit(type, { from: from.peerId!, cid }))
    if (type === 'relay-close') return
    const [code, message] = refusal
    queueMicrotask(() => from.events.emit('error', { code, message, ref: type, peer: to }))
  }

  relay(from: MemorySignalingClient, to: string, cidDigest: Uint8Array, frame: Uint8Array): void {
    const target = this.#clients.get(to)
    const cid = cidFromDigest(cidDigest)
    if (!this.relayPolicy.enabled || !target?.joined.has(cid) || !from.joined.has(cid)) return
    this.relayedBytes += frame.length
    const copy = frame.slice()
    queueMicrotask(() => target.events.emit('relay', { from: from.peerId!, cidDigest, frame: copy }))
  }

  /** Checks the tombstone with the server's check (manifest against CID, secret against the revoke hash) and tells everyone. */
  revoke(from: MemorySignalingClient, cid: string, secret: string, manifestBytes: Uint8Array): void {
    const check = new TombstoneCheck(cid, secret, manifestBytes.length, () => sha256.create())
    check.push(manifestBytes)
    if (check.verdict() !== null) {
      return queueMicrotask(() => from.events.emit('error', { code: 'bad-tombstone', message: 'tombstone refused', ref: 'revoke' }))
    }
    if (this.forwardsRevocations) this.tombstones.set(cid, secret)
    const told = [...this.#clients.values()].filter((c) => c === from || (this.forwardsRevocations && c.joined.has(cid)))
    for (const c of told) c.joined.delete(cid)
    queueMicrotask(() => told.forEach((c) => c.events.emit('revoked', { cid, secret })))
  }

  /** As the server: checks the list against the manifest (CID, mirror key, signature) and keeps it if newer. */
  async publishMirrors(from: MemorySignalingClient, cid: string, list: string, manifestBytes: Uint8Array): Promise<void> {
    const refuse = (message: string) => from.events.emit('error', { code: 'bad-mirror-list', message, ref: 'mirrors-publish' })
    let check: MirrorListCheck
    try {
      check = new MirrorListCheck(cid, decodeMirrorList(fromBase64Url(list)), manifestBytes.length, () => sha256.create())
    } catch (err) {
      return refuse(`mirror list refused: ${(err as Error).message}`)
    }
    check.push(manifestBytes)
    const invalid = await check.verdict((key, message, signature) => ed25519.verify(signature, message, key, { zip215: false }))
    if (invalid) return refuse(`mirror list refused: ${invalid}`)
    const kept = this.mirrorLists.get(cid)
    if (kept && kept.seq >= check.list.seq) return refuse(`mirror list refused: a list as new or newer (number ${kept.seq}) is published`)
    this.mirrorLists.set(cid, { seq: check.list.seq, list })
    from.events.emit('mirrors', { cid, list })
  }

  getMirrors(client: MemorySignalingClient, cid: string): void {
    const list = this.mirrorLists.get(cid)?.list ?? null
    queueMicrotask(() => client.events.emit('mirrors', { cid, list }))
  }

  /** What a lying server could send: a 'revoked' message with any secret. */
  sendRevoked(cid: string, secret: string): void {
    for (const c of this.#clients.values()) if (c.joined.has(cid)) c.events.emit('revoked', { cid, secret })
  }

  disconnect(client: MemorySignalingClient): void {
    if (client.peerId) this.#clients.delete(client.peerId)
  }

  #welcome(client: MemorySignalingClient): void {
    if (client.status === 'closed' || !this.up) return
    client.peerId = `peer${String(this.#nextId++).padStart(18, '0')}`
    this.#clients.set(client.peerId, client)
    client.setStatus('open')
    client.events.emit('welcome', { id: client.peerId, iceServers: [] })
    for (const cid of client.joined.keys()) this.announce(client, cid)
    for (const cid of client.mirrorsWanted) this.getMirrors(client, cid)
  }
}
