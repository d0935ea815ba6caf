/**
 * The swarm for one CID: the connected peers (a Wire each, and what each
 * holds), the HELLO/HAVE bookkeeping, the manifest exchange, and the glue
 * between the wires, the Downloader (fetching) and the Uploader (serving).
 * It knows nothing of keys or files: it moves and verifies sealed pieces, so
 * blind peers run the same code. It never sees a frame: wires do.
 */
import type { DropChunks } from '../storage/chunk-store.js'
import type { Connection } from '../transport/transport.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { type Cid, digestOfCid } from '../../../format/cid.js'
import type { Manifest } from '../../../format/manifest.js'
import { type Hello, Wire } from '../wire/wire.js'
import { type Clock, type TimerId, realClock, withNow } from '../util/clock.js'
import { Emitter } from '../util/emitter.js'
import { bytesEqual } from '../../../format/bytes.js'
import { isValidTombstone } from '../../../format/tombstone.js'
import { Bitfield } from './bitfield.js'
import { Peer } from './peer.js'
import { Downloader } from './downloader.js'
import { Uploader } from './uploader.js'
import { UploadLimiter } from './rate.js'
import { MAX_PIECE_WAITERS, TICK_MS } from './constants.js'
import { ManifestFetch } from './manifest-fetch.js'
import { type PieceRange, PriorityWindow, PriorityWindowError } from './priority-window.js'
import { PieceWaitError, PieceWaiters } from './piece-waiters.js'
import { SuperSeed } from './super-seed.js'
import { SwarmTraffic } from './traffic.js'

export interface SwarmOptions {
  cid: Cid
  /** This drop's chunks. */
  store: DropChunks
  crypto: CryptoProvider
  /**
   * Checks a manifest fetched from a peer (its hash already matched) before
   * anything of it is stored; throwing refuses it, and the swarm then fetches
   * nothing ('refused').
   */
  admit?: (manifest: Manifest) => Promise<void>
  /** The page's upload limit, shared by all swarms; unlimited by default. */
  limiter?: UploadLimiter
  random?: () => number
  /** Time for the swarm, its wires and its writes; real timers by default. */
  clock?: Clock
  /** Only the clock's `now` replaced (real timers): for tests that move the wall clock. */
  now?: () => number
  /** Whether a swarm that starts complete super-seeds (super-seed.ts); true by default. */
  superSeed?: boolean
}

export interface PeerInfo {
  id: string
  kind: Connection['kind']
  pieces: number
  bytesDown: number
  bytesUp: number
}

export interface SwarmEvents extends Record<string, unknown> {
  manifest: Manifest
  /** A piece was verified and stored. */
  piece: number
  complete: undefined
  peers: undefined
  /** Something went wrong with one peer; the swarm carries on. */
  warning: string
  /** Pieces can no longer be stored (quota); downloading has stopped. */
  'storage-error': unknown
  /** A peer's tombstone, checked against the manifest: the drop is revoked. */
  tombstone: Uint8Array
  /** The manifest was refused (`admit` threw this): nothing is stored or fetched. */
  refused: unknown
}

export class Swarm {
  readonly cid: Cid
  readonly events = new Emitter<SwarmEvents>()
  manifest: Manifest | null = null
  manifestBytes: Uint8Array | null = null
  have: Bitfield | null = null
  readonly #traffic = new SwarmTraffic()
  readonly #store: DropChunks
  readonly #crypto: CryptoProvider
  readonly #random: () => number
  readonly #clock: Clock
  readonly #cidDigest: Uint8Array
  readonly #peers = new Map<string, Peer>()
  /** Peers dropped for sending pieces that fail verification: the server still lists them; they stay out. */
  readonly #liars = new Set<string>()
  /** Peers whose tombstone is being checked: more from them are ignored meanwhile. */
  readonly #checkingTombstone = new Set<Peer>()
  readonly #uploader: Uploader
  #downloader: Downloader | null = null
  /** While we seed alone from the start: which pieces each peer has been told of. */
  #superSeed: SuperSeed | null = null
  readonly #superSeeds: boolean
  readonly #manifestFetch: ManifestFetch
  readonly #waiters = new PieceWaiters(MAX_PIECE_WAITERS)
  /** Revoked: the tombstone is going out to peers, nothing else is answered. */
  #revoked = false
  readonly #tick: TimerId
  #closed = false

  constructor(options: SwarmOptions) {
    this.cid = options.cid
    this.#cidDigest = digestOfCid(options.cid)
    this.#store = options.store
    this.#crypto = options.crypto
    this.#random = options.random ?? Math.random
    this.#superSeeds = options.superSeed ?? true
    this.#clock = options.clock ?? (options.now ? withNow(realClock, options.now) : realClock)
    this.#uploader = new Uploader({
      store: options.store,
      limiter: options.limiter ?? new UploadLimiter(),
      clock: this.#clock,
      holding: () => (this.manifest && this.have ? { manifest: this.manifest, have: this.have } : null),
    })
    this.#manifestFetch = new ManifestFetch({
      cidDigest: this.#cidDigest,
      crypto: options.crypto,
      now: () => this.#clock.now(),
      admit: options.admit ?? (async () => {}),
      peers: () => this.#peers.values(),
      wanted: () => !this.#closed && !this.manifest,
      fetched: async (manifest, bytes) => {
        await this.#store.put(this.#cidDigest, bytes)
        await this.#adoptManifest(manifest, bytes)
      },
      refused: (error) => this.events.emit('refused', error),
      warn: (message) => this.events.emit('warning', message),
    })
    this.#tick = this.#clock.setInterval(() => this.#onTick(), TICK_MS)
  }

  /** Adopts a known manifest and finds which of its pieces the store already holds. */
  async start(known?: { manifest: Manifest; bytes: Uint8Array }): Promise<void> {
    if (known) await this.#adoptManifest(known.manifest, known.bytes, this.#superSeeds)
  }

  /** Piece bytes received (asked for or not), since this swarm started. */
  get bytesDown(): number {
    return this.#traffic.bytesDown
  }

  /** Piece bytes served, since this swarm started. */
  get bytesUp(): number {
    return this.#traffic.bytesUp
  }

  /** Bytes that went through the server relay, both ways, since this swarm started. */
  get relayedBytes(): number {
    return this.#traffic.relayedBytes
  }

  get peerCount(): number {
    return this.#peers.size
  }

  peers(): PeerInfo[] {
    return [...this.#peers.values()].map(({ id, wire, has }) => ({
      id,
      kind: wire.kind,
      pieces: has?.count ?? 0,
      bytesDown: wire.stats.bytesDown,
      bytesUp: wire.stats.bytesUp,
    }))
  }

  hasPeer(id: string): boolean {
    return this.#peers.has(id)
  }

  /** Whether a connection to this peer would be refused: not worth dialing. */
  refuses(id: string): boolean {
    return this.#liars.has(id)
  }

  /**
   * Fetches these pieces first, in this order (priority-window.ts has the
   * contract), replacing any earlier window. Returns the release function.
   */
  prioritize(ranges: readonly PieceRange[]): () => void {
    if (!this.#downloader) throw new PriorityWindowError('no priority window before the manifest is known')
    const downloader = this.#downloader
    const window = new PriorityWindow(ranges, downloader.availability.length)
    downloader.prioritize(window)
    return () => downloader.release(window)
  }

  /** Resolves once piece `index` is held; fails if fetching stops first (piece-waiters.ts). */
  async whenPiece(index: number, signal?: AbortSignal): Promise<void> {
    if (!this.have) throw new PieceWaitError('no pieces to wait for before the manifest is known')
    if (!Number.isInteger(index) || index < 0 || index >= this.have.size) {
      throw new PieceWaitError(`piece ${index} is not one of the drop's ${this.have.size}`)
    }
    if (!this.have.has(index)) await this.#waiters.wait(index, signal)
  }

  addConnection(connection: Connection): void {
    if (this.#closed || connection.closed) return connection.close('swarm closed')
    if (this.#liars.has(connection.remotePeer)) return connection.close('dropped earlier for sending pieces that fail verification')
    this.#peers.get(connection.remotePeer)?.wire.fail('replaced by a newer connection')
    const wire = new Wire(connection, { clock: this.#clock })
    const peer = new Peer(wire)
    this.#traffic.opened(wire)
    this.#peers.set(peer.id, peer)
    this.#listen(peer)
    wire.hello({
      cidDigest: this.#cidDigest,
      hasManifest: this.have !== null,
      pieceCount: this.have?.size ?? 0,
      // Super-seeding: pieces are revealed a few at a time once the peer's HELLO is in.
      bitfield: (this.#superSeed?.tellsAll(peer) === false ? new Bitfield(this.have!.size).bytes : this.have?.bytes) ?? new Uint8Array(0),
    })
    this.events.emit('peers', undefined)
  }

  /**
   * Passes a checked tombstone on to every connected peer, so peers the server
   * could not tell hear it too, and from then on serves nothing: the caller
   * closes the swarm once the frames have had time to go out.
   */
  sendTombstone(secret: Uint8Array): void {
    this.#revoked = true
    this.stopDownloading()
    for (const peer of this.#peers.values()) peer.wire.tombstone(secret)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearInterval(this.#tick)
    this.stopDownloading()
    for (const peer of this.#peers.values()) peer.wire.fail('leaving the swarm')
    this.#peers.clear()
    this.#uploader.clear()
    this.events.removeAllListeners()
  }

  /** Stops fetching (storage full, or not enough space); serving what we hold goes on. */
  stopDownloading(): void {
    this.#downloader?.stop()
    this.#waiters.failAll(new PieceWaitError('the swarm stopped fetching pieces'))
  }

  /**
   * Frees a connection slot if one is idle: two complete peers have nothing to
   * give each other. Returns false when every connection is useful.
   */
  makeRoom(): boolean {
    if (!this.have?.complete) return false
    for (const peer of this.#peers.values()) {
      if (peer.hasManifest && peer.has?.size === this.have.size && peer.has.complete) {
        peer.wire.fail('both complete')
        return true
      }
    }
    return false
  }

  // --- what the wires say -------------------------------------------------

  #listen(peer: Peer): void {
    const { wire } = peer
    const live = () => !this.#closed && !this.#revoked && !wire.closed
    const events = wire.events
    events.on('close', () => this.#onClose(peer))
    events.on('drain', () => void this.#uploader.pump(wire))
    events.on('hello', (hello) => live() && this.#onHello(peer, hello))
    events.on('have', (piece) => live() && this.#onHave(peer, piece))
    events.on('request', (req) => live() && this.#uploader.serve(wire, req))
    events.on('cancel', (req) => live() && this.#uploader.cancel(wire, req))
    events.on('reject', (req) => {
      if (!live()) return
      if (peer.lost(req.piece)) this.#downloader?.peerLost(req.piece)
      this.#downloader?.onReject(peer, req)
      this.#downloader?.schedule()
    })
    events.on('block', (block) => {
      if (!live()) return
      this.#downloader?.onBlock(peer, block)
      this.#downloader?.schedule()
    })
    events.on('timeout', (timeout) => {
      this.#downloader?.onTimeout(peer, timeout)
      this.#downloader?.schedule()
    })
    events.on('manifest-request', (offset) => live() && this.#manifestFetch.serve(peer, offset, this.manifestBytes))
    events.on('manifest-part', (part) => live() && void this.#manifestFetch.onPart(peer, part))
    events.on('tombstone', (secret) => live() && void this.#onTombstone(peer, secret))
  }

  #onHello(peer: Peer, hello: Hello): void {
    if (!bytesEqual(hello.cidDigest, this.#cidDigest)) return void peer.wire.fail('HELLO names another CID')
    if (!peer.acceptHello(hello, this.have?.size)) return
    if (this.#superSeed?.active) this.#superSeed.peerJoined(peer)
    this.#downloader?.peerJoined(peer)
    this.events.emit('peers', undefined)
    this.#manifestFetch.start()
    this.#downloader?.schedule()
  }

  #onHave(peer: Peer, piece: number): void {
    if (peer.acceptHave(piece)) {
      this.#downloader?.peerHas(piece)
      if (this.#superSeed?.active) this.#superSeed.peerHas(peer, piece)
    }
    if (peer.wire.closed) return
    this.#manifestFetch.start()
    this.#downloader?.schedule(peer)
  }

  /**
   * Checked here, against the manifest in memory: a bogus tombstone costs one
   * hash and its sender. One check per peer at a time; a tombstone that cannot
   * be checked yet (no manifest) is ignored.
   */
  async #onTombstone(peer: Peer, secret: Uint8Array): Promise<void> {
    if (!this.manifest || this.#checkingTombstone.has(peer)) return
    this.#checkingTombstone.add(peer)
    const valid = await isValidTombstone(this.#crypto, this.manifest, secret)
    this.#checkingTombstone.delete(peer)
    if (this.#closed || this.#revoked) return
    if (valid) return this.events.emit('tombstone', secret)
    this.events.emit('warning', 'ignored a tombstone from a peer that does not match this drop, and dropped that peer')
    peer.wire.fail('sent a tombstone that does not match this drop')
  }

  // --- manifest -----------------------------------------------------------

  /** `superSeed`: a swarm that holds every piece from the start seeds alone at first (super-seed.ts). */
  async #adoptManifest(manifest: Manifest, bytes: Uint8Array, superSeed = false): Promise<void> {
    const have = new Bitfield(manifest.pieceIds.length)
    const held = await this.#store.hasMany(manifest.pieceIds)
    held.forEach((h, i) => h && have.set(i))
    if (this.#closed) return
    this.manifest = manifest
    this.manifestBytes = bytes
    this.have = have
    const downloader = new Downloader(
      { peers: () => this.#peers.values(), get: (id) => this.#peers.get(id) },
      { manifest, have, store: this.#store, crypto: this.#crypto, clock: this.#clock, random: this.#random },
    )
    downloader.events.on('verified', (index) => this.#onVerified(index))
    downloader.events.on('warning', (message) => this.events.emit('warning', message))
    downloader.events.on('storage-error', (error) => {
      this.stopDownloading()
      this.events.emit('storage-error', error)
    })
    downloader.events.on('liar', (peer) => {
      this.#liars.add(peer.id)
      peer.wire.fail('sent pieces that fail verification')
    })
    this.#downloader = downloader
    if (superSeed && have.complete) this.#superSeed = new SuperSeed(have.size)
    for (const peer of [...this.#peers.values()]) {
      if (!peer.fitToManifest(have.size)) continue
      if (peer.has) downloader.peerJoined(peer)
      // Connected before we knew the manifest: told of everything, super-seeding or not.
      for (const i of have.indices()) peer.wire.have(i)
    }
    this.events.emit('manifest', manifest)
    if (have.complete) this.events.emit('complete', undefined)
    downloader.schedule()
  }

  #onVerified(index: number): void {
    this.have!.set(index)
    // Every peer: our HELLO went out when the connection opened, so a HAVE after it is
    // in order even if the peer's own HELLO has not arrived yet.
    for (const peer of this.#peers.values()) peer.wire.have(index)
    this.events.emit('piece', index)
    this.#waiters.verified(index)
    if (this.have!.complete) this.events.emit('complete', undefined)
  }

  // --- lifecycle ----------------------------------------------------------

  #onClose(peer: Peer): void {
    const { wire } = peer
    this.#traffic.closed(wire)
    this.#uploader.forget(wire)
    if (this.#peers.get(peer.id) !== peer) return
    this.#peers.delete(peer.id)
    this.#downloader?.peerLeft(peer)
    if (this.#superSeed?.active) this.#superSeed.peerLeft(peer)
    this.#manifestFetch.peerLeft(peer)
    this.events.emit('peers', undefined)
    this.#downloader?.schedule()
  }

  #onTick(): void {
    this.#manifestFetch.checkTimeout(this.#clock.now())
    this.#downloader?.schedule()
  }
}
