/**
 * Fetching pieces: which piece to take from which peer, how many blocks to
 * keep in flight, endgame, and verifying what arrives.
 *
 * - A new piece goes to one peer (its owner), chosen rarest first; only the
 *   owner requests its blocks, so a bad piece has one culprit.
 * - A priority window (priority-window.ts: a reader's next pieces) comes
 *   before rarest first, except one new piece in WINDOW_PICKS_PER_RAREST + 1
 *   per peer; its head, stalled at one peer, is also asked of another.
 * - Each peer's pipeline is sized to its measured rate: enough blocks in
 *   flight to cover PIPELINE_SECONDS of its throughput, within bounds.
 * - Endgame: once every missing piece is being fetched, a peer that has run
 *   (nearly) dry also requests blocks still outstanding elsewhere; the first
 *   copy wins and the others are cancelled. One slow peer cannot hold up the
 *   end, and fast peers with full pipelines do not duplicate each other.
 * - A complete piece is hashed: a match is stored (several per transaction,
 *   through the BatchWriter) and then announced; a mismatch is reset and
 *   fetched again, and its single source gets a strike (a piece with several
 *   sources, from endgame, is fetched again from one peer so the culprit shows);
 *   MAX_STRIKES drop a peer, one drops a mirror.
 * - A piece is held in memory from its start until its write settles, and
 *   no piece starts while the bounds are reached (piece-memory.ts).
 *
 * Requests, their timeouts and the wire bytes are each peer's Wire's; what
 * the peer holds is the swarm's. The downloader asks and decides.
 */
import type { DropChunks } from '../storage/chunk-store.js'
import { BatchWriter } from '../storage/batch-writer.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { type Manifest, sealedPieceLength } from '../../../format/manifest.js'
import { bytesEqual } from '../../../format/bytes.js'
import { REQUEST_BLOCK_BYTES } from '../wire/constants.js'
import type { Block, BlockRequest } from '../wire/wire.js'
import type { Clock } from '../util/clock.js'
import { Emitter } from '../util/emitter.js'
import type { PieceSet } from './bitfield.js'
import type { Peer } from './peer.js'
import { ActivePiece } from './active-piece.js'
import { PieceMemory } from './piece-memory.js'
import { pickRarest } from './picker.js'
import type { PriorityWindow } from './priority-window.js'
import { RateMeter } from './rate.js'
import {
  ENDGAME_IDLE_BLOCKS,
  ENDGAME_MAX_REQUESTERS,
  HEAD_STALL_MS,
  INITIAL_PIPELINE_BLOCKS,
  MAX_PIPELINE_BLOCKS,
  MAX_STRIKES,
  MAX_TIMEOUTS,
  MIN_PIPELINE_BLOCKS,
  PIPELINE_SECONDS,
  WRITE_BATCH_BYTES,
  WRITE_BATCH_DELAY_MS,
  WINDOW_PICKS_PER_RAREST,
} from './constants.js'

export interface DownloaderOptions {
  readonly manifest: Manifest
  /** What we hold; the swarm sets a piece once 'verified' says so. */
  readonly have: PieceSet
  readonly store: DropChunks
  readonly crypto: CryptoProvider
  readonly clock: Clock
  readonly random: () => number
}

/** The peers the downloader may ask: the swarm's. */
export interface PeerDirectory {
  peers(): Iterable<Peer>
  get(id: string): Peer | undefined
}

export interface DownloaderEvents extends Record<string, unknown> {
  /** Piece `index` was verified and stored. */
  verified: number
  warning: string
  /** Storing failed (quota, disk): downloading has stopped; what is stored stays. */
  'storage-error': unknown
  /** This peer sent too many pieces that fail verification: drop it for good. */
  liar: Peer
}

export class Downloader {
  readonly events = new Emitter<DownloaderEvents>()
  readonly availability: Uint16Array
  readonly #peers: PeerDirectory
  readonly #options: DownloaderOptions
  readonly #writer: BatchWriter
  #active = new Map<number, ActivePiece>()
  /** Complete pieces being hashed and stored: not to be fetched again meanwhile. */
  #verifying = new Set<number>()
  /** Pieces that failed with blocks from several peers: next time from one peer only. */
  #singleSource = new Set<number>()
  /** Piece data received per peer, for sizing its pipeline. */
  #rates = new Map<string, RateMeter>()
  /** Pieces per peer that failed verification. */
  #strikes = new Map<string, number>()
  readonly #memory = new PieceMemory()
  #stopped = false
  #window: PriorityWindow | null = null
  /** Window pieces each peer started since its last rarest-first piece. */
  #windowStreaks = new Map<string, number>()

  constructor(peers: PeerDirectory, options: DownloaderOptions) {
    this.#peers = peers
    this.#options = options
    this.availability = new Uint16Array(options.have.size)
    this.#writer = new BatchWriter(options.store, {
      maxBatchBytes: WRITE_BATCH_BYTES,
      maxBatchChunks: Infinity,
      flushAfterMs: WRITE_BATCH_DELAY_MS,
      clock: options.clock,
    })
  }

  get stopped(): boolean {
    return this.#stopped
  }

  stop(): void {
    this.#stopped = true
    this.#writer.abandon() // their writes fail, which releases them
    for (const piece of this.#active.values()) this.#memory.dropped(piece.data.length)
    this.#active.clear()
  }

  /**
   * Sets (replacing any), or with null clears, the pieces fetched first
   * (priority-window.ts). A window whose head nobody is fetching yet is a
   * seek: requests still unanswered for pieces outside it are cancelled, so
   * the peers' pipelines (up to a second of each one's rate) go to the new
   * head at once instead of after what was asked before. A reader moving on
   * waits on a piece in flight or being stored, or its window's next: no seek.
   */
  prioritize(window: PriorityWindow | null): void {
    const seek = window !== null && this.#isSeek(window)
    this.#window = window
    this.#windowStreaks.clear()
    if (seek) {
      for (const piece of this.#active.values()) {
        if (window.has(piece.index)) continue
        for (const asked of piece.withdraw()) this.#peers.get(asked.peer)?.wire.cancel(piece.index, asked.offset, asked.length)
      }
    }
    this.schedule()
  }

  /** Whether nothing has fetched or is fetching the head of `next`, nor was it next in line in the window before. */
  #isSeek(next: PriorityWindow): boolean {
    const head = next.head(this.#options.have)
    if (head === undefined || this.#active.has(head) || this.#verifying.has(head)) return false
    return this.#window?.next(undefined, (i) => this.#wanted(i)) !== head
  }

  /** Clears `window` if it is still the one set: a reader that ends cannot clear a newer one's. */
  release(window: PriorityWindow): void {
    if (this.#window === window) this.prioritize(null)
  }

  peerJoined(peer: Peer): void {
    for (const i of peer.has!.indices()) this.availability[i]++
  }

  peerHas(index: number): void {
    this.availability[index]++
  }

  /** A peer no longer holds a piece it announced (it refused it). */
  peerLost(index: number): void {
    if (this.availability[index] > 0) this.availability[index]--
  }

  peerLeft(peer: Peer): void {
    if (peer.has) for (const i of peer.has.indices()) this.peerLost(i)
    for (const piece of this.#active.values()) piece.release(peer.id)
    this.#rates.delete(peer.id)
    this.#strikes.delete(peer.id)
    this.#windowStreaks.delete(peer.id)
  }

  /**
   * Fills pipelines with requests. `only`: the one peer whose offer changed
   * (it announced a piece); the others have no more room than before. A
   * crowd's HAVEs are the commonest frames, and each scheduling every peer
   * made a swarm's CPU grow with the square of its peers.
   */
  schedule(only?: Peer): void {
    if (this.#stopped || this.#options.have.complete) return
    for (const peer of only ? [only] : this.#peers.peers()) {
      const { wire } = peer
      if (!peer.has || wire.closed) continue
      const limit = this.#pipelineFor(peer)
      while (wire.outstanding < limit) {
        const head = this.#stalledHeadBlock(peer)
        if (head) {
          this.#request(peer, head.piece, head.block, 1)
          continue
        }
        const next = this.#nextBlock(peer)
        if (next) {
          this.#request(peer, next.piece, next.block, next.piece.freeRun(next.block, limit - wire.outstanding))
          continue
        }
        const duplicate = wire.outstanding < ENDGAME_IDLE_BLOCKS ? this.#endgameBlock(peer) : undefined
        if (!duplicate) break
        this.#request(peer, duplicate.piece, duplicate.block, 1)
      }
    }
  }

  /** A block the peer's wire matched to one of our requests. */
  onBlock(peer: Peer, block: Block): void {
    this.#rateOf(peer.id).add(block.data.length, this.#options.clock.now())
    const piece = this.#active.get(block.piece)
    const others = piece?.receive(peer.id, block.offset, block.data)
    if (!piece || !others) return
    for (const id of others) this.#peers.get(id)?.wire.cancel(block.piece, block.offset, block.data.length)
    if (piece.complete) void this.#finish(piece, peer)
  }

  /** The peer refused blocks of a piece: none of that piece is asked of it again unless it announces it anew. */
  onReject(peer: Peer, req: BlockRequest): void {
    this.#active.get(req.piece)?.release(peer.id)
    peer.wire.forget(req.piece)
  }

  /**
   * Requests that went unanswered too long (the wire has cancelled them) go
   * to other peers. A peer that lets requests time out twice without
   * delivering anything in between is dropped: a tab that vanished without
   * closing its connection looks like that.
   */
  onTimeout(peer: Peer, timeout: { requests: BlockRequest[]; rounds: number }): void {
    for (const r of timeout.requests) this.#active.get(r.piece)?.releaseBlock(peer.id, r.offset)
    if (timeout.rounds < MAX_TIMEOUTS) return
    this.events.emit('warning', 'Dropped a peer that stopped answering requests.')
    peer.wire.fail('not answering requests')
  }

  #rateOf(id: string): RateMeter {
    let rate = this.#rates.get(id)
    if (!rate) this.#rates.set(id, (rate = new RateMeter()))
    return rate
  }

  #pipelineFor(peer: Peer): number {
    const rate = this.#rates.get(peer.id)?.rate(this.#options.clock.now()) ?? 0
    if (rate === 0) return INITIAL_PIPELINE_BLOCKS
    const blocks = Math.ceil((rate * PIPELINE_SECONDS) / REQUEST_BLOCK_BYTES)
    return Math.min(MAX_PIPELINE_BLOCKS, Math.max(MIN_PIPELINE_BLOCKS, blocks))
  }

  #nextBlock(peer: Peer): { piece: ActivePiece; block: number } | undefined {
    // Pieces under way first; with a window, the one needed soonest.
    const rank = (i: number) => this.#window?.rank(i) ?? Infinity
    let next: { piece: ActivePiece; block: number } | undefined
    for (const piece of this.#active.values()) {
      if (piece.owner !== null && piece.owner !== peer.id) continue
      if (!peer.has!.has(piece.index) || (next && rank(piece.index) >= rank(next.piece.index))) continue
      const block = piece.freeBlock()
      if (block < 0) continue
      next = { piece, block }
      if (!this.#window) break
    }
    if (next && this.#window && rank(next.piece.index) === Infinity) {
      // Under way but outside the window (a seek left it): it takes the turn rarest first would have.
      const streak = this.#windowStreaks.get(peer.id) ?? 0
      if (streak < WINDOW_PICKS_PER_RAREST && this.#window.next(peer.has!, (i) => this.#wanted(i)) !== undefined) next = undefined
      else this.#windowStreaks.set(peer.id, 0)
    }
    if (next) {
      next.piece.owner = peer.id
      return next
    }
    if (!this.#memory.room) return undefined
    const index = this.#pickNew(peer)
    if (index === undefined) return undefined
    const piece = new ActivePiece(index, sealedPieceLength(this.#options.manifest, index), peer.id)
    piece.startedAt = this.#options.clock.now()
    this.#active.set(index, piece)
    this.#memory.started(piece.data.length)
    return { piece, block: 0 }
  }

  /** Not held, and not being fetched or verified: a piece to start. */
  #wanted(index: number): boolean {
    return !this.#options.have.has(index) && !this.#active.has(index) && !this.#verifying.has(index)
  }

  /** The next piece to start from this peer: the window's earliest, or every so often (and else) the rarest. */
  #pickNew(peer: Peer): number | undefined {
    const wanted = (i: number) => this.#wanted(i)
    const rarest = (want: (i: number) => boolean) =>
      pickRarest({ peerHas: peer.has!, wanted: want, availability: this.availability, random: this.#options.random })
    const window = this.#window
    if (!window) return rarest(wanted)
    const streak = this.#windowStreaks.get(peer.id) ?? 0
    const early = streak < WINDOW_PICKS_PER_RAREST ? window.next(peer.has!, wanted) : undefined
    if (early !== undefined) {
      this.#windowStreaks.set(peer.id, streak + 1)
      return early
    }
    const rare = rarest((i) => wanted(i) && !window.has(i))
    if (rare !== undefined) {
      this.#windowStreaks.set(peer.id, 0)
      return rare
    }
    return window.next(peer.has!, wanted)
  }

  /** A block of the window's head that has been in flight at another peer for HEAD_STALL_MS: asked of this one too. */
  #stalledHeadBlock(peer: Peer): { piece: ActivePiece; block: number } | undefined {
    const head = this.#window?.head(this.#options.have)
    const piece = head === undefined ? undefined : this.#active.get(head)
    if (!piece || piece.owner === null || piece.owner === peer.id || this.#singleSource.has(piece.index)) return undefined
    if (!peer.has!.has(piece.index) || this.#options.clock.now() - piece.startedAt < HEAD_STALL_MS) return undefined
    const block = piece.duplicableBlock(peer.id, ENDGAME_MAX_REQUESTERS)
    return block >= 0 ? { piece, block } : undefined
  }

  /** Only when every missing piece is already being fetched: duplicate an outstanding block. */
  #endgameBlock(peer: Peer): { piece: ActivePiece; block: number } | undefined {
    const { have } = this.#options
    if (have.size - have.count > this.#active.size + this.#verifying.size) return undefined
    for (const piece of this.#active.values()) {
      if (!peer.has!.has(piece.index) || this.#singleSource.has(piece.index)) continue
      const block = piece.duplicableBlock(peer.id, ENDGAME_MAX_REQUESTERS)
      if (block >= 0) return { piece, block }
    }
    return undefined
  }

  /** Asks `peer` for `count` consecutive blocks of `piece` in one request. */
  #request(peer: Peer, piece: ActivePiece, first: number, count: number): void {
    piece.asked(peer.id, first, count)
    const start = piece.block(first).offset
    const last = piece.block(first + count - 1)
    peer.wire.request(piece.index, start, last.offset + last.length - start)
  }

  /** Hashes a complete piece, then stores it or puts it back to be fetched again; it stays held until either is settled. */
  async #finish(piece: ActivePiece, lastSender: Peer): Promise<void> {
    const { index } = piece
    this.#active.delete(index)
    this.#verifying.add(index)
    this.#memory.whole(piece.data.length)
    const settled = () => {
      this.#verifying.delete(index)
      this.#memory.settled(piece.data.length, this.#active.has(index)) // a corrupt piece is back in #active
    }
    const expected = this.#options.manifest.pieceIds[index]
    const good = bytesEqual(await this.#options.crypto.sha256(piece.data), expected)
    if (!good || this.#stopped || this.#options.have.has(index)) {
      if (!good) this.#corrupt(piece, lastSender)
      settled()
      this.schedule()
      return
    }
    this.#singleSource.delete(index)
    // Announced only once stored: a piece we announce can be served from the store.
    this.#writer.write(expected, piece.data).then(
      () => {
        settled()
        if (this.#stopped) return
        this.events.emit('verified', index)
        this.schedule()
      },
      (err) => {
        settled()
        if (this.#stopped) return
        this.stop()
        this.events.emit('storage-error', err)
      },
    )
  }

  /** Strikes the culprit of a piece that failed its hash, and puts the piece back to be fetched again. */
  #corrupt(piece: ActivePiece, lastSender: Peer): void {
    if (piece.sources.size > 1) {
      this.#singleSource.add(piece.index)
      this.events.emit('warning', `Piece ${piece.index} failed verification and was discarded; fetching it again from one peer.`)
    } else {
      const sender = this.#peers.get([...piece.sources][0]) ?? lastSender
      const strikes = (this.#strikes.get(sender.id) ?? 0) + 1
      this.#strikes.set(sender.id, strikes)
      // A mirror serves files, not a stream: a wrong piece is the host's file, and it would serve it again.
      const dropped = strikes >= (sender.wire.kind === 'mirror' ? 1 : MAX_STRIKES)
      this.events.emit(
        'warning',
        `Piece ${piece.index} from a peer failed verification and was discarded${dropped ? '; that peer was dropped' : ''}.`,
      )
      if (dropped) this.events.emit('liar', sender)
    }
    if (this.#stopped) return
    piece.reset()
    piece.startedAt = this.#options.clock.now()
    this.#active.set(piece.index, piece)
  }
}
