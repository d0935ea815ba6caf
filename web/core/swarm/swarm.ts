/**
 * The swarm for one CID: the connected peers, the HELLO/HAVE bookkeeping, the
 * manifest exchange, and the glue between peers, the Downloader (fetching)
 * and the Uploader (serving). It knows nothing of keys or files: it moves and
 * verifies sealed pieces, so blind peers run the same code.
 */
import type { ChunkStore } from '../storage/chunk-store.js'
import type { Connection } from '../transport/transport.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { type Cid, digestOfCid } from '../content/cid.js'
import { type Manifest, decodeManifest, sealedPieceLength } from '../content/manifest.js'
import type { Frame } from '../wire/codec.js'
import { MANIFEST_PART_BYTES, REQUEST_BLOCK_BYTES } from '../wire/constants.js'
import { Emitter } from '../util/emitter.js'
import { bytesEqual } from '../util/bytes.js'
import { InvalidManifestError } from '../util/errors.js'
import { Bitfield } from './bitfield.js'
import { PeerSession } from './peer.js'
import { Downloader } from './downloader.js'
import { Uploader } from './uploader.js'
import { UploadLimiter } from './rate.js'
import { HELLO_TIMEOUT_MS, MANIFEST_TIMEOUT_MS, MAX_UPLOAD_QUEUE, TICK_MS } from './constants.js'

export interface SwarmOptions {
  cid: Cid
  store: ChunkStore
  crypto: CryptoProvider
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
  /** A peer says the drop was revoked; the secret is unchecked (the engine checks it against the manifest). */
  tombstone: Uint8Array
}

interface ManifestFetch {
  peer: PeerSession
  buffer: Uint8Array | null
  next: number
  startedAt: number
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
  readonly #store: ChunkStore
  readonly #crypto: CryptoProvider
  readonly #random: () => number
  readonly #now: () => number
  readonly #cidDigest: Uint8Array
  readonly #peers = new Map<string, PeerSession>()
  /** Peers dropped for sending pieces that fail verification: the server still lists them; they stay out. */
  readonly #liars = new Set<string>()
  readonly #uploader: Uploader
  #downloader: Downloader | null = null
  #manifestFetch: ManifestFetch | null = null
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
        return void this.#onManifestPart(peer, frame)
      case 'close':
        peer.connection.close(`peer closed: ${frame.reason}`)
        return
      case 'tombstone':
        this.events.emit('tombstone', frame.secret.slice())
        return
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
    this.#maybeFetchManifest()
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
    this.#maybeFetchManifest()
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

  // --- manifest -----------------------------------------------------------

  #maybeFetchManifest(): void {
    if (this.manifest || this.#manifestFetch) return
    const source = [...this.#peers.values()].find((p) => p.hasManifest && p.open)
    if (!source) return
    this.#manifestFetch = { peer: source, buffer: null, next: 0, startedAt: this.#now() }
    source.send({ kind: 'manifest-request', offset: 0 })
  }

  async #onManifestPart(peer: PeerSession, frame: Extract<Frame, { kind: 'manifest-part' }>): Promise<void> {
    const fetch = this.#manifestFetch
    if (!fetch || fetch.peer !== peer) return // late or unasked: ignore
    if (frame.offset !== fetch.next) return this.#manifestFailed(peer, 'sent manifest bytes out of order')
    if (!fetch.buffer) fetch.buffer = new Uint8Array(frame.total)
    else if (fetch.buffer.length !== frame.total) return this.#manifestFailed(peer, 'changed the manifest length')
    fetch.buffer.set(frame.data, frame.offset)
    fetch.next += frame.data.length
    if (fetch.next < frame.total) return void peer.send({ kind: 'manifest-request', offset: fetch.next })
    const bytes = fetch.buffer
    const digest = await this.#crypto.sha256(bytes)
    if (this.manifest || this.#closed) return
    if (!bytesEqual(digest, this.#cidDigest)) return this.#manifestFailed(peer, 'sent a manifest that does not match the link')
    this.#manifestFetch = null
    let manifest: Manifest
    try {
      manifest = decodeManifest(bytes)
    } catch (err) {
      // The hash matched, so the link itself names a malformed manifest: no peer can do better.
      const reason = err instanceof InvalidManifestError ? err.message : String(err)
      this.events.emit('warning', `The content this link names is not a valid Swarmdrop manifest (${reason}).`)
      return
    }
    await this.#store.put(this.#cidDigest, bytes)
    await this.#adoptManifest(manifest, bytes)
  }

  #manifestFailed(peer: PeerSession, reason: string): void {
    this.#manifestFetch = null
    this.events.emit('warning', `Dropped a peer that ${reason}.`)
    peer.fail(reason)
    this.#maybeFetchManifest()
  }

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
    if (this.#manifestFetch?.peer === peer) {
      this.#manifestFetch = null
      this.#maybeFetchManifest()
    }
    this.events.emit('peers', undefined)
    this.#downloader?.schedule()
  }

  #onTick(): void {
    const now = this.#now()
    for (const peer of this.#peers.values()) if (!peer.has && now - peer.connectedAt > HELLO_TIMEOUT_MS) peer.fail('no HELLO in time')
    const fetch = this.#manifestFetch
    if (fetch && now - fetch.startedAt > MANIFEST_TIMEOUT_MS) this.#manifestFailed(fetch.peer, 'did not send the manifest in time')
    this.#downloader?.checkTimeouts(now)
    this.#downloader?.schedule()
  }
}
