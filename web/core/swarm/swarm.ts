/**
 * The swarm for one CID: the connected peers, the HELLO/HAVE bookkeeping, the
 * manifest exchange, and the glue between peers, the Downloader (fetching)
 * and the Uploader (serving). It knows nothing of keys or files: it moves and
 * verifies sealed pieces, so blind peers run the same code.
 */
import type { DropChunks } from '../storage/chunk-store.js'
import type { Connection } from '../transport/transport.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { type Cid, digestOfCid } from '../../../format/cid.js'
import { type Manifest, sealedPieceLength } from '../../../format/manifest.js'
import type { Frame } from '../wire/codec.js'
import { MANIFEST_PART_BYTES, REQUEST_BLOCK_BYTES } from '../wire/constants.js'
import { Emitter } from '../util/emitter.js'
import { bytesEqual } from '../../../format/bytes.js'
import { isValidTombstone } from '../../../format/tombstone.js'
import { Bitfield } from './bitfield.js'
import { PeerSession } from './peer.js'
import { Downloader } from './downloader.js'
import { Uploader } from './uploader.js'
import { UploadLimiter } from './rate.js'
import { HELLO_TIMEOUT_MS, MAX_UPLOAD_QUEUE, TICK_MS } from './constants.js'
import { ManifestFetch } from './manifest-fetch.js'

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
  now?: () => number
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
  bytesDown = 0
  bytesUp = 0
  /** Wire bytes of relay connections that have closed; open ones are added on read. */
  #relayedClosed = 0
  readonly #store: DropChunks
  readonly #crypto: CryptoProvider
  readonly #random: () => number
  readonly #now: () => number
  readonly #cidDigest: Uint8Array
  readonly #peers = new Map<string, PeerSession>()
  /** Peers dropped for sending pieces that fail verification: the server still lists them; they stay out. */
  readonly #liars = new Set<string>()
  readonly #uploader: Uploader
  #downloader: Downloader | null = null
  readonly #manifestFetch: ManifestFetch
  /** Revoked: the tombstone is going out to peers, nothing else is answered. */
  #revoked = false
  readonly #tick: ReturnType<typeof setInterval>
  #closed = false

  constructor(options: SwarmOptions) {
    this.cid = options.cid
    this.#cidDigest = digestOfCid(options.cid)
    this.#store = options.store
    this.#crypto = options.crypto
    this.#random = options.random ?? Math.random
    this.#now = options.now ?? Date.now
    this.#uploader = new Uploader({
      store: options.store,
      limiter: options.limiter ?? new UploadLimiter(),
      manifest: () => this.manifest!,
      sent: (peer, bytes) => {
        peer.bytesUp += bytes
        this.bytesUp += bytes
      },
    })
    this.#manifestFetch = new ManifestFetch({
      cidDigest: this.#cidDigest,
      crypto: options.crypto,
      now: this.#now,
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
    this.#tick = setInterval(() => this.#onTick(), TICK_MS)
  }

  /** Adopts a known manifest and finds which of its pieces the store already holds. */
  async start(known?: { manifest: Manifest; bytes: Uint8Array }): Promise<void> {
    if (known) await this.#adoptManifest(known.manifest, known.bytes)
  }

  /** Bytes that went through the server relay, both ways, since this swarm started. */
  get relayedBytes(): number {
    let open = 0
    for (const p of this.#peers.values()) if (p.kind === 'relay') open += p.wireBytes
    return this.#relayedClosed + open
  }

  get peerCount(): number {
    return this.#peers.size
  }

  peers(): PeerInfo[] {
    return [...this.#peers.values()].map((p) => ({
      id: p.id,
      kind: p.kind,
      pieces: p.has?.count ?? 0,
      bytesDown: p.bytesDown,
      bytesUp: p.bytesUp,
    }))
  }

  hasPeer(id: string): boolean {
    return this.#peers.has(id)
  }

  /** Whether a connection to this peer would be refused: not worth dialing. */
  refuses(id: string): boolean {
    return this.#liars.has(id)
  }

  addConnection(connection: Connection): void {
    if (this.#closed || connection.closed) return connection.close('swarm closed')
    if (this.#liars.has(connection.remotePeer)) return connection.close('dropped earlier for sending pieces that fail verification')
    this.#peers.get(connection.remotePeer)?.connection.close('replaced by a newer connection')
    const peer = new PeerSession(connection, this.#now())
    this.#peers.set(peer.id, peer)
    connection.events.on('close', () => this.#onClose(peer))
    connection.events.on('drain', () => void this.#uploader.pump(peer))
    connection.events.on('message', (message) => this.#onMessage(peer, message))
    peer.send({
      kind: 'hello',
      cidDigest: this.#cidDigest,
      hasManifest: this.have !== null,
      pieceCount: this.have?.size ?? 0,
      bitfield: this.have?.bytes ?? new Uint8Array(0),
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
    for (const peer of this.#peers.values()) if (peer.open) peer.send({ kind: 'tombstone', secret })
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#tick)
    this.#downloader?.stop()
    for (const peer of this.#peers.values()) peer.fail('leaving the swarm')
    this.#peers.clear()
    this.#uploader.clear()
    this.events.removeAllListeners()
  }

  // --- frames -------------------------------------------------------------

  #onMessage(peer: PeerSession, message: Uint8Array): void {
    if (this.#closed || this.#revoked || !peer.open) return
    if (message.length > 0 && message[1] === 4) peer.bytesDown += message.length // BLOCK, counted even if unwanted
    const frame = peer.decode(message)
    if (!frame) return
    if (frame.kind === 'block') this.bytesDown += frame.data.length
    if (!peer.has && frame.kind !== 'hello' && frame.kind !== 'close') {
      peer.fail(`sent ${frame.kind} before HELLO`)
      return
    }
    switch (frame.kind) {
      case 'hello':
        return this.#onHello(peer, frame)
      case 'have':
        return this.#onHave(peer, frame.piece)
      case 'request':
        return this.#onRequest(peer, frame)
      case 'cancel':
        return this.#uploader.cancel(peer, frame)
      case 'reject':
        this.#downloader?.onReject(peer, frame)
        return this.#downloader?.schedule()
      case 'block':
        this.#downloader?.onBlock(peer, frame)
        return this.#downloader?.schedule()
      case 'manifest-request':
        return this.#onManifestRequest(peer, frame.offset)
      case 'manifest-part':
        return void this.#manifestFetch.onPart(peer, frame)
      case 'close':
        peer.connection.close(`peer closed: ${frame.reason}`)
        return
      case 'tombstone':
        return void this.#onTombstone(peer, frame.secret.slice())
    }
  }

  #onHello(peer: PeerSession, frame: Extract<Frame, { kind: 'hello' }>): void {
    if (!bytesEqual(frame.cidDigest, this.#cidDigest)) {
      peer.fail('HELLO names another CID')
      return
    }
    if (!peer.acceptHello(frame, this.have?.size)) return
    this.#downloader?.peerJoined(peer)
    this.events.emit('peers', undefined)
    this.#manifestFetch.start()
    this.#downloader?.schedule()
  }

  #onHave(peer: PeerSession, piece: number): void {
    const has = peer.has!
    if (piece >= has.size) {
      peer.fail(`HAVE for piece ${piece} of ${has.size}`)
      return
    }
    peer.hasManifest = true
    if (has.set(piece)) this.#downloader?.peerHas(piece)
    this.#manifestFetch.start()
    this.#downloader?.schedule()
  }

  /** Stops fetching (storage full, or not enough space); serving what we hold goes on. */
  stopDownloading(): void {
    this.#downloader?.stop()
  }

  /**
   * Frees a connection slot if one is idle: two complete peers have nothing to
   * give each other. Returns false when every connection is useful.
   */
  makeRoom(): boolean {
    if (!this.have?.complete) return false
    for (const peer of this.#peers.values()) {
      if (peer.hasManifest && peer.has?.size === this.have.size && peer.has.complete) {
        peer.fail('both complete')
        return true
      }
    }
    return false
  }

  #onRequest(peer: PeerSession, req: Extract<Frame, { kind: 'request' }>): void {
    if (!this.manifest || !this.have) {
      peer.fail('requested a piece before we announced the manifest')
    } else if (req.piece >= this.have.size) {
      peer.fail(`requested piece ${req.piece} of ${this.have.size}`)
    } else if (req.offset + req.length > sealedPieceLength(this.manifest, req.piece)) {
      peer.fail(`requested bytes past the end of piece ${req.piece}`)
    } else if (!this.have.has(req.piece)) {
      peer.send({ kind: 'reject', piece: req.piece, offset: req.offset, length: req.length })
    } else if (peer.uploadQueue.length + Math.ceil(req.length / REQUEST_BLOCK_BYTES) > MAX_UPLOAD_QUEUE) {
      peer.fail(`more than ${MAX_UPLOAD_QUEUE} blocks requested at once`)
    } else {
      this.#uploader.enqueue(peer, req)
    }
  }

  #onManifestRequest(peer: PeerSession, offset: number): void {
    const bytes = this.manifestBytes
    if (!bytes) return void peer.fail('asked for a manifest we never announced')
    if (offset >= bytes.length) return void peer.fail('asked for manifest bytes past its end')
    peer.send({ kind: 'manifest-part', total: bytes.length, offset, data: bytes.subarray(offset, offset + MANIFEST_PART_BYTES) })
  }

  /**
   * Checked here, against the manifest in memory: a bogus tombstone costs one
   * hash and its sender. One check per peer at a time; a tombstone that cannot
   * be checked yet (no manifest) is ignored.
   */
  async #onTombstone(peer: PeerSession, secret: Uint8Array): Promise<void> {
    if (!this.manifest || peer.checkingTombstone) return
    peer.checkingTombstone = true
    const valid = await isValidTombstone(this.#crypto, this.manifest, secret)
    peer.checkingTombstone = false
    if (this.#closed || this.#revoked) return
    if (valid) return this.events.emit('tombstone', secret)
    this.events.emit('warning', 'ignored a tombstone from a peer that does not match this drop, and dropped that peer')
    peer.fail('sent a tombstone that does not match this drop')
  }

  // --- manifest -----------------------------------------------------------

  async #adoptManifest(manifest: Manifest, bytes: Uint8Array): Promise<void> {
    const have = new Bitfield(manifest.pieceIds.length)
    const held = await this.#store.hasMany(manifest.pieceIds)
    held.forEach((h, i) => h && have.set(i))
    if (this.#closed) return
    this.manifest = manifest
    this.manifestBytes = bytes
    this.have = have
    const downloader = new Downloader({
      manifest,
      have,
      store: this.#store,
      crypto: this.#crypto,
      random: this.#random,
      now: this.#now,
      peers: () => this.#peers.values(),
      peer: (id) => this.#peers.get(id),
      verified: (index) => this.#onVerified(index),
      warn: (message) => this.events.emit('warning', message),
      storageFailed: (error) => this.events.emit('storage-error', error),
      dropLiar: (peer) => (this.#liars.add(peer.id), peer.fail('sent pieces that fail verification')),
    })
    this.#downloader = downloader
    for (const peer of [...this.#peers.values()]) {
      if (!peer.fitToManifest(have.size)) continue
      if (peer.has) downloader.peerJoined(peer)
      for (const i of have.indices()) peer.send({ kind: 'have', piece: i })
    }
    this.events.emit('manifest', manifest)
    if (have.complete) this.events.emit('complete', undefined)
    downloader.schedule()
  }

  #onVerified(index: number): void {
    this.have!.set(index)
    // Every peer: our HELLO went out when the connection opened, so a HAVE after it is
    // in order even if the peer's own HELLO has not arrived yet.
    for (const peer of this.#peers.values()) peer.send({ kind: 'have', piece: index })
    this.events.emit('piece', index)
    if (this.have!.complete) this.events.emit('complete', undefined)
  }

  // --- lifecycle ----------------------------------------------------------

  #onClose(peer: PeerSession): void {
    if (peer.kind === 'relay') this.#relayedClosed += peer.wireBytes
    if (this.#peers.get(peer.id) !== peer) return
    this.#peers.delete(peer.id)
    this.#downloader?.peerLeft(peer)
    this.#manifestFetch.peerLeft(peer)
    this.events.emit('peers', undefined)
    this.#downloader?.schedule()
  }

  #onTick(): void {
    const now = this.#now()
    for (const peer of this.#peers.values()) if (!peer.has && now - peer.connectedAt > HELLO_TIMEOUT_MS) peer.fail('no HELLO in time')
    this.#manifestFetch.checkTimeout(now)
    this.#downloader?.checkTimeouts(now)
    this.#downloader?.schedule()
  }
}
