/**
 * The swarm for one CID: every connected peer, what each holds, which blocks
 * we are fetching from whom, and serving what we hold. It knows nothing of
 * keys or files: it moves and verifies sealed pieces, so blind peers run the
 * same code.
 *
 * Downloading pulls: we pick a piece (rarest first), give it to one peer and
 * request its blocks, keeping a bounded number of blocks in flight per peer.
 * A complete piece is hashed; a match is stored and announced to everyone
 * (we seed while we download), a mismatch is thrown away and the sender gets
 * a strike.
 */
import type { ChunkStore } from '../storage/chunk-store.js'
import type { Connection } from '../transport/transport.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { type Cid, digestOfCid } from '../content/cid.js'
import { type Manifest, decodeManifest, sealedPieceLength } from '../content/manifest.js'
import { MAX_MANIFEST_BYTES } from '../content/constants.js'
import { type Frame } from '../wire/codec.js'
import { MANIFEST_PART_BYTES, REQUEST_BLOCK_BYTES } from '../wire/constants.js'
import { Emitter } from '../util/emitter.js'
import { bytesEqual } from '../util/bytes.js'
import { InvalidManifestError } from '../util/errors.js'
import { Bitfield } from './bitfield.js'
import { pickRarest } from './picker.js'
import { type BlockRequest, PeerSession, blockKey } from './peer.js'
import {
  HELLO_TIMEOUT_MS,
  MANIFEST_TIMEOUT_MS,
  MAX_INFLIGHT_BLOCKS_PER_PEER,
  MAX_PARTIAL_BYTES,
  MAX_STRIKES,
  MAX_UPLOAD_QUEUE,
  REQUEST_TIMEOUT_MS,
  TICK_MS,
  UPLOAD_CACHE_PIECES,
} from './constants.js'

export interface SwarmOptions {
  cid: Cid
  store: ChunkStore
  crypto: CryptoProvider
  /** Known when we created the drop or hold it already; else fetched from peers. */
  manifest?: { manifest: Manifest; bytes: Uint8Array }
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
}

interface ActivePiece {
  index: number
  owner: string | null
  data: Uint8Array
  /** Per block: received? */
  received: boolean[]
  /** Per block: the peer it is requested from, if any. */
  requestedFrom: (string | null)[]
  receivedCount: number
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
  #store: ChunkStore
  #crypto: CryptoProvider
  #random: () => number
  #now: () => number
  #cidDigest: Uint8Array
  #peers = new Map<string, PeerSession>()
  #active = new Map<number, ActivePiece>()
  /** Complete pieces being hashed and stored: neither active nor held yet, and not to be fetched again. */
  #verifying = new Set<number>()
  #partialBytes = 0
  #availability: Uint16Array = new Uint16Array(0)
  #uploadCache = new Map<number, Promise<Uint8Array | undefined>>()
  #manifestFetch: ManifestFetch | null = null
  #tick: ReturnType<typeof setInterval>
  #closed = false

  constructor(options: SwarmOptions) {
    this.cid = options.cid
    this.#cidDigest = digestOfCid(options.cid)
    this.#store = options.store
    this.#crypto = options.crypto
    this.#random = options.random ?? Math.random
    this.#now = options.now ?? Date.now
    this.#tick = setInterval(() => this.#checkTimeouts(), TICK_MS)
  }

  /** Adopts a known manifest and finds which of its pieces the store already holds. */
  async start(known?: { manifest: Manifest; bytes: Uint8Array }): Promise<void> {
    if (known) await this.#adoptManifest(known.manifest, known.bytes)
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

  addConnection(connection: Connection): void {
    if (this.#closed || connection.closed) return connection.close('swarm closed')
    const existing = this.#peers.get(connection.remotePeer)
    if (existing) existing.connection.close('replaced by a newer connection')
    const peer = new PeerSession(connection, this.#now())
    this.#peers.set(peer.id, peer)
    connection.events.on('message', (message) => this.#onMessage(peer, message))
    connection.events.on('drain', () => void this.#pumpUploads(peer))
    connection.events.on('close', ({ reason, local }) => this.#onClose(peer, reason, local))
    peer.send({
      kind: 'hello',
      cidDigest: this.#cidDigest,
      hasManifest: this.have !== null,
      pieceCount: this.have?.size ?? 0,
      bitfield: this.have?.bytes ?? new Uint8Array(0),
    })
    this.events.emit('peers', undefined)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#tick)
    for (const peer of this.#peers.values()) peer.fail('leaving the swarm')
    this.#peers.clear()
    this.#active.clear()
    this.#verifying.clear()
    this.#uploadCache.clear()
    this.events.removeAllListeners()
  }

  // --- frames -------------------------------------------------------------

  #onMessage(peer: PeerSession, message: Uint8Array): void {
    if (this.#closed || !peer.open) return
    const frame = peer.decode(message)
    if (!frame) return
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
      case 'cancel': {
        const at = peer.uploadQueue.findIndex((r) => r.piece === frame.piece && r.offset === frame.offset)
        if (at >= 0) peer.uploadQueue.splice(at, 1)
        return
      }
      case 'reject':
        return this.#onReject(peer, frame)
      case 'block':
        return void this.#onBlock(peer, frame)
      case 'manifest-request':
        return this.#onManifestRequest(peer, frame.offset)
      case 'manifest-part':
        return void this.#onManifestPart(peer, frame)
      case 'close':
        peer.connection.close(`peer closed: ${frame.reason}`)
        return
    }
  }

  #onHello(peer: PeerSession, frame: Extract<Frame, { kind: 'hello' }>): void {
    if (!bytesEqual(frame.cidDigest, this.#cidDigest)) {
      peer.fail('HELLO names another CID')
      return
    }
    if (!peer.acceptHello(frame, this.have?.size)) return
    if (this.have) for (const i of peer.has!.indices()) this.#availability[i]++
    this.events.emit('peers', undefined)
    this.#maybeFetchManifest()
    this.#schedule()
  }

  #onHave(peer: PeerSession, piece: number): void {
    const has = peer.has!
    if (piece >= has.size) {
      peer.fail(`HAVE for piece ${piece} of ${has.size}`)
      return
    }
    if (has.set(piece) && this.have) this.#availability[piece]++
    peer.hasManifest = true
    this.#maybeFetchManifest()
    this.#schedule()
  }

  // --- serving ------------------------------------------------------------

  #onRequest(peer: PeerSession, req: BlockRequest): void {
    if (!this.manifest || !this.have) {
      peer.fail('requested a piece before we announced the manifest')
      return
    }
    if (req.piece >= this.have.size) {
      peer.fail(`requested piece ${req.piece} of ${this.have.size}`)
      return
    }
    if (!this.have.has(req.piece)) {
      peer.send({ kind: 'reject', ...req })
      return
    }
    if (req.offset + req.length > sealedPieceLength(this.manifest, req.piece)) {
      peer.fail(`requested bytes past the end of piece ${req.piece}`)
      return
    }
    if (peer.uploadQueue.length >= MAX_UPLOAD_QUEUE) {
      peer.fail(`more than ${MAX_UPLOAD_QUEUE} requests outstanding`)
      return
    }
    peer.uploadQueue.push(req)
    void this.#pumpUploads(peer)
  }

  async #pumpUploads(peer: PeerSession): Promise<void> {
    if (peer.uploading) return
    peer.uploading = true
    try {
      while (peer.open && peer.writable && peer.uploadQueue.length > 0) {
        const req = peer.uploadQueue.shift()!
        const sealed = await this.#readSealed(req.piece)
        if (!peer.open) return
        if (!sealed) {
          peer.send({ kind: 'reject', ...req })
          continue
        }
        const data = sealed.subarray(req.offset, req.offset + req.length)
        peer.send({ kind: 'block', piece: req.piece, offset: req.offset, data })
        peer.bytesUp += data.length
        this.bytesUp += data.length
      }
    } finally {
      peer.uploading = false
    }
  }

  /** Reads a sealed piece through a small cache: a peer asks for all blocks of a piece in a row. */
  #readSealed(index: number): Promise<Uint8Array | undefined> {
    let entry = this.#uploadCache.get(index)
    if (entry) {
      this.#uploadCache.delete(index)
    } else {
      entry = this.#store.get(this.manifest!.pieceIds[index])
      if (this.#uploadCache.size >= UPLOAD_CACHE_PIECES) {
        this.#uploadCache.delete(this.#uploadCache.keys().next().value!)
      }
    }
    this.#uploadCache.set(index, entry)
    return entry
  }

  #onManifestRequest(peer: PeerSession, offset: number): void {
    const bytes = this.manifestBytes
    if (!bytes) {
      peer.fail('asked for a manifest we never announced')
      return
    }
    if (offset >= bytes.length) {
      peer.fail('asked for manifest bytes past its end')
      return
    }
    const data = bytes.subarray(offset, offset + MANIFEST_PART_BYTES)
    peer.send({ kind: 'manifest-part', total: bytes.length, offset, data })
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
    if (frame.offset !== fetch.next) return void this.#manifestFailed(peer, 'sent manifest bytes out of order')
    if (!fetch.buffer) fetch.buffer = new Uint8Array(frame.total)
    else if (fetch.buffer.length !== frame.total) return void this.#manifestFailed(peer, 'changed the manifest length')
    fetch.buffer.set(frame.data, frame.offset)
    fetch.next += frame.data.length
    if (fetch.next < frame.total) {
      peer.send({ kind: 'manifest-request', offset: fetch.next })
      return
    }
    const bytes = fetch.buffer
    const digest = await this.#crypto.sha256(bytes)
    if (this.manifest) return
    if (!bytesEqual(digest, this.#cidDigest)) return void this.#manifestFailed(peer, 'sent a manifest that does not match the link')
    let manifest: Manifest
    try {
      manifest = decodeManifest(bytes)
    } catch (err) {
      // The hash matched, so the link itself names a malformed manifest: no peer can do better.
      this.#manifestFetch = null
      const reason = err instanceof InvalidManifestError ? err.message : String(err)
      this.events.emit('warning', `The content this link names is not a valid Swarmdrop manifest (${reason}).`)
      return
    }
    this.#manifestFetch = null
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
    if (manifest.pieceIds.length > 0 && bytes.length > MAX_MANIFEST_BYTES) throw new InvalidManifestError('manifest too large')
    const have = new Bitfield(manifest.pieceIds.length)
    const held = await Promise.all(manifest.pieceIds.map((id) => this.#store.has(id)))
    held.forEach((h, i) => h && have.set(i))
    if (this.#closed) return
    this.manifest = manifest
    this.manifestBytes = bytes
    this.have = have
    this.#availability = new Uint16Array(have.size)
    for (const peer of [...this.#peers.values()]) {
      if (!peer.fitToManifest(have.size)) continue
      if (peer.has) for (const i of peer.has.indices()) this.#availability[i]++
      for (const i of have.indices()) peer.send({ kind: 'have', piece: i })
    }
    this.events.emit('manifest', manifest)
    if (have.complete) this.events.emit('complete', undefined)
    this.#schedule()
  }

  // --- downloading --------------------------------------------------------

  #schedule(): void {
    if (!this.manifest || !this.have || this.have.complete || this.#closed) return
    for (const peer of this.#peers.values()) {
      if (!peer.has || !peer.open) continue
      while (peer.inflight.size < MAX_INFLIGHT_BLOCKS_PER_PEER) {
        const block = this.#nextBlockFor(peer)
        if (!block) break
        this.#request(peer, block.piece, block.blockIndex)
      }
    }
  }

  #nextBlockFor(peer: PeerSession): { piece: ActivePiece; blockIndex: number } | undefined {
    for (const piece of this.#active.values()) {
      if (piece.owner !== null && piece.owner !== peer.id) continue
      if (!peer.has!.has(piece.index)) continue
      const blockIndex = piece.requestedFrom.findIndex((from, b) => from === null && !piece.received[b])
      if (blockIndex >= 0) {
        piece.owner = peer.id
        return { piece, blockIndex }
      }
    }
    if (this.#partialBytes >= MAX_PARTIAL_BYTES) return undefined
    const index = pickRarest({
      peerHas: peer.has!,
      wanted: (i) => !this.have!.has(i) && !this.#active.has(i) && !this.#verifying.has(i),
      availability: this.#availability,
      random: this.#random,
    })
    if (index === undefined) return undefined
    const length = sealedPieceLength(this.manifest!, index)
    const blocks = Math.ceil(length / REQUEST_BLOCK_BYTES)
    const piece: ActivePiece = {
      index,
      owner: peer.id,
      data: new Uint8Array(length),
      received: new Array(blocks).fill(false),
      requestedFrom: new Array(blocks).fill(null),
      receivedCount: 0,
    }
    this.#active.set(index, piece)
    this.#partialBytes += length
    return { piece, blockIndex: 0 }
  }

  #request(peer: PeerSession, piece: ActivePiece, blockIndex: number): void {
    const offset = blockIndex * REQUEST_BLOCK_BYTES
    const length = Math.min(REQUEST_BLOCK_BYTES, piece.data.length - offset)
    piece.requestedFrom[blockIndex] = peer.id
    peer.inflight.set(blockKey(piece.index, offset), { piece: piece.index, offset, length, sentAt: this.#now() })
    peer.send({ kind: 'request', piece: piece.index, offset, length })
  }

  #onReject(peer: PeerSession, frame: BlockRequest): void {
    const key = blockKey(frame.piece, frame.offset)
    if (!peer.inflight.delete(key)) return
    peer.has!.clear(frame.piece)
    if (this.have && frame.piece < this.#availability.length && this.#availability[frame.piece] > 0) {
      this.#availability[frame.piece]--
    }
    this.#release(peer, frame.piece)
    this.#schedule()
  }

  async #onBlock(peer: PeerSession, frame: Extract<Frame, { kind: 'block' }>): Promise<void> {
    peer.bytesDown += frame.data.length
    this.bytesDown += frame.data.length
    const request = peer.inflight.get(blockKey(frame.piece, frame.offset))
    if (!request) return // cancelled or timed out earlier: harmless
    if (frame.data.length !== request.length) {
      peer.fail(`sent ${frame.data.length} bytes for a ${request.length}-byte request`)
      return
    }
    peer.inflight.delete(blockKey(frame.piece, frame.offset))
    const piece = this.#active.get(frame.piece)
    const blockIndex = frame.offset / REQUEST_BLOCK_BYTES
    if (piece && !piece.received[blockIndex]) {
      piece.data.set(frame.data, frame.offset)
      piece.received[blockIndex] = true
      piece.receivedCount++
      if (piece.receivedCount === piece.received.length) await this.#finishPiece(piece, peer)
    }
    this.#schedule()
  }

  async #finishPiece(piece: ActivePiece, sender: PeerSession): Promise<void> {
    this.#active.delete(piece.index)
    this.#partialBytes -= piece.data.length
    this.#verifying.add(piece.index)
    try {
      await this.#verifyAndStore(piece, sender)
    } finally {
      this.#verifying.delete(piece.index)
    }
  }

  async #verifyAndStore(piece: ActivePiece, sender: PeerSession): Promise<void> {
    const expected = this.manifest!.pieceIds[piece.index]
    const digest = await this.#crypto.sha256(piece.data)
    if (!bytesEqual(digest, expected)) {
      sender.strikes++
      const dropped = sender.strikes >= MAX_STRIKES
      this.events.emit(
        'warning',
        `Piece ${piece.index} from a peer failed verification and was discarded${dropped ? '; that peer was dropped' : ''}.`,
      )
      if (dropped) sender.fail('sent pieces that fail verification')
      return
    }
    if (this.#closed || this.have!.has(piece.index)) return
    await this.#store.put(expected, piece.data)
    if (this.#closed) return
    this.have!.set(piece.index)
    for (const peer of this.#peers.values()) if (peer.has) peer.send({ kind: 'have', piece: piece.index })
    this.events.emit('piece', piece.index)
    if (this.have!.complete) this.events.emit('complete', undefined)
  }

  /** Frees a piece's unanswered requests to `peer` so another peer can take them. */
  #release(peer: PeerSession, pieceIndex?: number): void {
    for (const piece of this.#active.values()) {
      if (pieceIndex !== undefined && piece.index !== pieceIndex) continue
      let freed = false
      piece.requestedFrom.forEach((from, b) => {
        if (from === peer.id && !piece.received[b]) {
          piece.requestedFrom[b] = null
          freed = true
        }
      })
      if (piece.owner === peer.id && (freed || pieceIndex !== undefined)) piece.owner = null
    }
    if (pieceIndex === undefined) peer.inflight.clear()
    else for (const [key, r] of peer.inflight) if (r.piece === pieceIndex) peer.inflight.delete(key)
  }

  #onClose(peer: PeerSession, reason: string, local: boolean): void {
    if (this.#peers.get(peer.id) !== peer) return
    this.#peers.delete(peer.id)
    if (this.have && peer.has) for (const i of peer.has.indices()) if (this.#availability[i] > 0) this.#availability[i]--
    this.#release(peer)
    if (this.#manifestFetch?.peer === peer) {
      this.#manifestFetch = null
      this.#maybeFetchManifest()
    }
    if (!local && !this.#closed) this.events.emit('warning', `A peer left: ${reason}`)
    this.events.emit('peers', undefined)
    this.#schedule()
  }

  #checkTimeouts(): void {
    const now = this.#now()
    for (const peer of this.#peers.values()) {
      if (!peer.has && now - peer.connectedAt > HELLO_TIMEOUT_MS) {
        peer.fail('no HELLO in time')
        continue
      }
      for (const r of peer.inflight.values()) {
        if (now - r.sentAt > REQUEST_TIMEOUT_MS) {
          peer.send({ kind: 'cancel', piece: r.piece, offset: r.offset, length: r.length })
          this.#release(peer, r.piece)
          break
        }
      }
    }
    const fetch = this.#manifestFetch
    if (fetch && now - fetch.startedAt > MANIFEST_TIMEOUT_MS) this.#manifestFailed(fetch.peer, 'did not send the manifest in time')
    this.#schedule()
  }
}
