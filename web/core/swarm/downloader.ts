/**
 * Fetching pieces: which piece to take from which peer, how many blocks to
 * keep in flight, endgame, and verifying what arrives.
 *
 * - A new piece goes to one peer (its owner), chosen rarest first; only the
 *   owner requests its blocks, so a bad piece has one culprit.
 * - Each peer's pipeline is sized to its measured rate: enough blocks in
 *   flight to cover PIPELINE_SECONDS of its throughput, within bounds.
 * - Endgame: once every missing piece is being fetched, a peer that has run
 *   (nearly) dry also requests blocks still outstanding elsewhere; the first
 *   copy wins and the others are cancelled. One slow peer cannot hold up the
 *   end, and fast peers with full pipelines do not duplicate each other.
 * - A complete piece is hashed: a match is stored (several per transaction)
 *   and then announced, a mismatch is discarded
 *   and its single source gets a strike (a piece with several sources, from
 *   endgame, is fetched again from one peer so the culprit shows).
 */
import type { DropChunks } from '../storage/chunk-store.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { type Manifest, sealedPieceLength } from '../../../format/manifest.js'
import { REQUEST_BLOCK_BYTES } from '../wire/constants.js'
import type { Frame } from '../wire/codec.js'
import { bytesEqual } from '../../../format/bytes.js'
import type { Bitfield } from './bitfield.js'
import { pickRarest } from './picker.js'
import { type BlockRequest, type PeerSession, blockKey } from './peer.js'
import {
  ENDGAME_IDLE_BLOCKS,
  ENDGAME_MAX_REQUESTERS,
  INITIAL_PIPELINE_BLOCKS,
  MAX_PARTIAL_BYTES,
  MAX_PIPELINE_BLOCKS,
  MAX_STRIKES,
  MAX_TIMEOUTS,
  MIN_PIPELINE_BLOCKS,
  PIPELINE_SECONDS,
  REQUEST_TIMEOUT_MS,
  WRITE_BATCH_BYTES,
  WRITE_BATCH_DELAY_MS,
} from './constants.js'

export interface DownloadHost {
  readonly manifest: Manifest
  readonly have: Bitfield
  readonly store: DropChunks
  readonly crypto: CryptoProvider
  readonly random: () => number
  readonly now: () => number
  peers(): Iterable<PeerSession>
  peer(id: string): PeerSession | undefined
  /** Piece `index` was verified and stored. */
  verified(index: number): void
  warn(message: string): void
  /** Storing failed (quota, disk): downloading stops; what is stored stays. */
  storageFailed(error: unknown): void
  /** `peer` sent too many pieces that fail verification: drop it for good. */
  dropLiar(peer: PeerSession): void
}

interface ActivePiece {
  readonly index: number
  owner: string | null
  readonly data: Uint8Array
  readonly received: boolean[]
  /** Per block: the peers it is requested from (more than one only in endgame). */
  readonly requesters: Set<string>[]
  receivedCount: number
  readonly sources: Set<string>
}

export class Downloader {
  readonly availability: Uint16Array
  #active = new Map<number, ActivePiece>()
  /** Complete pieces being hashed and stored: not to be fetched again meanwhile. */
  #verifying = new Set<number>()
  /** Pieces that failed with blocks from several peers: next time from one peer only. */
  #singleSource = new Set<number>()
  #partialBytes = 0
  #stopped = false
  /** Verified pieces waiting to be written in one transaction. */
  #unstored: { index: number; id: Uint8Array; data: Uint8Array }[] = []
  #unstoredBytes = 0
  #storeTimer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly host: DownloadHost) {
    this.availability = new Uint16Array(host.have.size)
  }

  get partialBytes(): number {
    return this.#partialBytes
  }

  get stopped(): boolean {
    return this.#stopped
  }

  stop(): void {
    clearTimeout(this.#storeTimer)
    this.#unstored = []
    this.#stopped = true
    this.#active.clear()
    this.#partialBytes = 0
  }

  peerJoined(peer: PeerSession): void {
    for (const i of peer.has!.indices()) this.availability[i]++
  }

  peerHas(index: number): void {
    this.availability[index]++
  }

  peerLeft(peer: PeerSession): void {
    if (peer.has) for (const i of peer.has.indices()) if (this.availability[i] > 0) this.availability[i]--
    this.#release(peer)
  }

  schedule(): void {
    if (this.#stopped || this.host.have.complete) return
    for (const peer of this.host.peers()) {
      if (!peer.has || !peer.open) continue
      const limit = this.#pipelineFor(peer)
      while (peer.inflight.size < limit) {
        const next = this.#nextBlock(peer)
        if (next) {
          this.#request(peer, next.piece, next.block, this.#runLength(next.piece, next.block, limit - peer.inflight.size))
          continue
        }
        const duplicate = peer.inflight.size < ENDGAME_IDLE_BLOCKS ? this.#endgameBlock(peer) : undefined
        if (!duplicate) break
        this.#request(peer, duplicate.piece, duplicate.block, 1)
      }
    }
  }

  onBlock(peer: PeerSession, frame: Extract<Frame, { kind: 'block' }>): void {
    const key = blockKey(frame.piece, frame.offset)
    const request = peer.inflight.get(key)
    if (!request) return // cancelled, timed out, or a lost endgame race: harmless
    if (frame.data.length !== request.length) {
      peer.fail(`sent ${frame.data.length} bytes for a ${request.length}-byte request`)
      return
    }
    peer.inflight.delete(key)
    peer.timeouts = 0
    peer.downRate.add(frame.data.length, this.host.now())
    const piece = this.#active.get(frame.piece)
    const b = frame.offset / REQUEST_BLOCK_BYTES
    if (!piece || piece.received[b]) return
    piece.data.set(frame.data, frame.offset)
    piece.received[b] = true
    piece.receivedCount++
    piece.sources.add(peer.id)
    for (const other of piece.requesters[b]) {
      if (other === peer.id) continue
      const session = this.host.peer(other)
      if (session?.inflight.delete(key)) session.send({ kind: 'cancel', ...request })
    }
    piece.requesters[b].clear()
    if (piece.receivedCount === piece.received.length) void this.#finish(piece, peer)
  }

  onReject(peer: PeerSession, req: BlockRequest): void {
    if (!peer.inflight.delete(blockKey(req.piece, req.offset))) return
    if (peer.has!.has(req.piece)) {
      peer.has!.clear(req.piece)
      if (this.availability[req.piece] > 0) this.availability[req.piece]--
    }
    this.#release(peer, req.piece)
  }

  /**
   * Moves requests that went unanswered too long to other peers. A peer that
   * lets requests time out twice without delivering anything in between is
   * dropped: a tab that vanished without closing its connection looks like that.
   */
  checkTimeouts(now: number): void {
    for (const peer of [...this.host.peers()]) {
      let timedOut = false
      for (const [key, r] of peer.inflight) {
        if (now - r.sentAt <= REQUEST_TIMEOUT_MS) continue
        timedOut = true
        peer.inflight.delete(key)
        peer.send({ kind: 'cancel', piece: r.piece, offset: r.offset, length: r.length })
        const piece = this.#active.get(r.piece)
        if (!piece) continue
        piece.requesters[r.offset / REQUEST_BLOCK_BYTES].delete(peer.id)
        if (piece.owner === peer.id) piece.owner = null
      }
      if (timedOut && ++peer.timeouts >= MAX_TIMEOUTS) {
        this.host.warn('Dropped a peer that stopped answering requests.')
        peer.fail('not answering requests')
      }
    }
  }

  #pipelineFor(peer: PeerSession): number {
    const rate = peer.downRate.rate(this.host.now())
    if (rate === 0) return INITIAL_PIPELINE_BLOCKS
    const blocks = Math.ceil((rate * PIPELINE_SECONDS) / REQUEST_BLOCK_BYTES)
    return Math.min(MAX_PIPELINE_BLOCKS, Math.max(MIN_PIPELINE_BLOCKS, blocks))
  }

  #nextBlock(peer: PeerSession): { piece: ActivePiece; block: number } | undefined {
    for (const piece of this.#active.values()) {
      if (piece.owner !== null && piece.owner !== peer.id) continue
      if (!peer.has!.has(piece.index)) continue
      const block = piece.requesters.findIndex((r, b) => r.size === 0 && !piece.received[b])
      if (block >= 0) {
        piece.owner = peer.id
        return { piece, block }
      }
    }
    if (this.#partialBytes >= MAX_PARTIAL_BYTES) return undefined
    const { have } = this.host
    const index = pickRarest({
      peerHas: peer.has!,
      wanted: (i) => !have.has(i) && !this.#active.has(i) && !this.#verifying.has(i),
      availability: this.availability,
      random: this.host.random,
    })
    if (index === undefined) return undefined
    const length = sealedPieceLength(this.host.manifest, index)
    const blocks = Math.ceil(length / REQUEST_BLOCK_BYTES)
    const piece: ActivePiece = {
      index,
      owner: peer.id,
      data: new Uint8Array(length),
      received: new Array(blocks).fill(false),
      requesters: Array.from({ length: blocks }, () => new Set<string>()),
      receivedCount: 0,
      sources: new Set(),
    }
    this.#active.set(index, piece)
    this.#partialBytes += length
    return { piece, block: 0 }
  }

  /** Only when every missing piece is already being fetched: duplicate an outstanding block. */
  #endgameBlock(peer: PeerSession): { piece: ActivePiece; block: number } | undefined {
    const { have } = this.host
    if (have.size - have.count > this.#active.size + this.#verifying.size) return undefined
    for (const piece of this.#active.values()) {
      if (!peer.has!.has(piece.index) || this.#singleSource.has(piece.index)) continue
      const block = piece.requesters.findIndex(
        (r, b) => !piece.received[b] && !r.has(peer.id) && r.size < ENDGAME_MAX_REQUESTERS,
      )
      if (block >= 0) return { piece, block }
    }
    return undefined
  }

  /** How many blocks from `first` on are free to ask for in one REQUEST (at most `max`). */
  #runLength(piece: ActivePiece, first: number, max: number): number {
    let n = 1
    while (n < max && first + n < piece.received.length && piece.requesters[first + n].size === 0 && !piece.received[first + n]) n++
    return n
  }

  /** Asks `peer` for `count` consecutive blocks of `piece` in one frame; each block is tracked on its own. */
  #request(peer: PeerSession, piece: ActivePiece, first: number, count: number): void {
    const now = this.host.now()
    const start = first * REQUEST_BLOCK_BYTES
    for (let b = first; b < first + count; b++) {
      const offset = b * REQUEST_BLOCK_BYTES
      const length = Math.min(REQUEST_BLOCK_BYTES, piece.data.length - offset)
      piece.requesters[b].add(peer.id)
      peer.inflight.set(blockKey(piece.index, offset), { piece: piece.index, offset, length, sentAt: now })
    }
    const end = Math.min(piece.data.length, (first + count) * REQUEST_BLOCK_BYTES)
    peer.send({ kind: 'request', piece: piece.index, offset: start, length: end - start })
  }

  /** Forgets what `peer` was asked for (one piece, or all) so other peers can take it. */
  #release(peer: PeerSession, pieceIndex?: number): void {
    for (const piece of this.#active.values()) {
      if (pieceIndex !== undefined && piece.index !== pieceIndex) continue
      for (const requesters of piece.requesters) requesters.delete(peer.id)
      if (piece.owner === peer.id) piece.owner = null
    }
    for (const [key, r] of peer.inflight) if (pieceIndex === undefined || r.piece === pieceIndex) peer.inflight.delete(key)
  }

  async #finish(piece: ActivePiece, lastSender: PeerSession): Promise<void> {
    this.#active.delete(piece.index)
    this.#partialBytes -= piece.data.length
    this.#verifying.add(piece.index)
    const { manifest, crypto, have } = this.host
    const expected = manifest.pieceIds[piece.index]
    const digest = await crypto.sha256(piece.data)
    if (!bytesEqual(digest, expected) || this.#stopped || have.has(piece.index)) {
      this.#verifying.delete(piece.index)
      if (!bytesEqual(digest, expected)) this.#corrupt(piece, lastSender)
      this.schedule()
      return
    }
    this.#singleSource.delete(piece.index)
    this.#unstored.push({ index: piece.index, id: expected, data: piece.data })
    this.#unstoredBytes += piece.data.length
    if (this.#unstoredBytes >= WRITE_BATCH_BYTES) void this.#store()
    else this.#storeTimer ??= setTimeout(() => void this.#store(), WRITE_BATCH_DELAY_MS)
  }

  /**
   * Writes verified pieces in one transaction, then announces them: a piece is
   * only announced once it can be served from the store.
   */
  async #store(): Promise<void> {
    clearTimeout(this.#storeTimer)
    this.#storeTimer = undefined
    const batch = this.#unstored
    if (batch.length === 0) return
    this.#unstored = []
    this.#unstoredBytes = 0
    try {
      await this.host.store.putMany(batch.map((p) => [p.id, p.data] as const))
    } catch (err) {
      batch.forEach((p) => this.#verifying.delete(p.index))
      this.stop()
      this.host.storageFailed(err)
      return
    }
    for (const p of batch) {
      this.#verifying.delete(p.index)
      if (!this.#stopped) this.host.verified(p.index)
    }
    this.schedule()
  }


  #corrupt(piece: ActivePiece, lastSender: PeerSession): void {
    if (piece.sources.size > 1) {
      this.#singleSource.add(piece.index)
      this.host.warn(`Piece ${piece.index} failed verification and was discarded; fetching it again from one peer.`)
      return
    }
    const sender = this.host.peer([...piece.sources][0]) ?? lastSender
    sender.strikes++
    const dropped = sender.strikes >= MAX_STRIKES
    this.host.warn(
      `Piece ${piece.index} from a peer failed verification and was discarded${dropped ? '; that peer was dropped' : ''}.`,
    )
    if (dropped) this.host.dropLiar(sender)
  }
}
