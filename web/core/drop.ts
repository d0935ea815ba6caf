/**
 * A Drop is one drop as this browser holds it: its chunks, its swarm and,
 * when the secret is known, its keys and file list. It owns its lifecycle:
 * it runs (downloading and serving), fails with a kind and the data to
 * explain it, expires when its manifest says so (on its clock), is revoked,
 * stops, and deletes its chunks. It says what happens through typed events;
 * words for people are the UI's (web/ui/drop-text.ts).
 */
import { type Cid, digestOfCid } from '../../format/cid.js'
import type { CryptoProvider } from './crypto/provider.js'
import type { ChunkStore, DropChunks } from './storage/chunk-store.js'
import { type Manifest, pieceCapacity } from '../../format/manifest.js'
import type { DropKeys } from './crypto/keys.js'
import { openMetadata } from './crypto/envelope.js'
import { fileBytesHeld } from './chunking/file-progress.js'
import { type FileSpan, baseName, decodeMetadata, fileSpans } from './content/metadata.js'
import type { ByteRange } from './chunking/assemble.js'
import { FileReaders } from './file-readers.js'
import { type PeerInfo, Swarm } from './swarm/swarm.js'
import { RECENT_CHUNK_BYTES } from './swarm/constants.js'
import { withRecentChunks } from './storage/recent-chunks.js'
import type { UploadLimiter } from './swarm/rate.js'
import { DecryptionError } from './util/errors.js'
import { InvalidManifestError } from '../../format/errors.js'
import { Emitter } from './util/emitter.js'
import { type Clock, MAX_TIMER_MS, type TimerId, realClock } from './util/clock.js'

export type DropPhase = 'finding-peers' | 'fetching-manifest' | 'downloading' | 'complete' | 'failed'
/** 'pinning': held blind (no secret) to serve others, as a pin node does. */
export type DropRole = 'sharing' | 'downloading' | 'pinning'

/** Why a drop stopped, with what is needed to explain it. */
export type DropFailure =
  | { readonly kind: 'wrong-secret' }
  /** `fileList`: the manifest was sound but its file list is not. */
  | { readonly kind: 'invalid-content'; readonly fileList: boolean; readonly detail: string }
  /** `full`: the quota ran out; `detail`: the store's error. */
  | { readonly kind: 'storage'; readonly full: boolean; readonly detail: string; readonly piecesHeld: number; readonly piecesTotal: number }
  /** `problem`: the space check's own account of it. */
  | { readonly kind: 'space'; readonly neededBytes: number; readonly problem: string }
  | { readonly kind: 'expired'; readonly expiresAt: number }
  | { readonly kind: 'revoked' }
export type FailureKind = DropFailure['kind']

/** Resolves null when `neededBytes` more fit in the browser's storage, else the checker's account of why not. */
export type SpaceCheck = (neededBytes: number) => Promise<string | null>

export interface DropState {
  readonly cid: Cid
  readonly role: DropRole
  readonly phase: DropPhase
  /** A short name for lists (see `dropName`); null until the file list is known. */
  readonly name: string | null
  readonly files: readonly FileSpan[] | null
  /** Per file (same order as `files`): plaintext bytes in verified pieces. */
  readonly fileBytesDone: readonly number[] | null
  readonly totalBytes: number | null
  readonly piecesDone: number
  readonly piecesTotal: number | null
  /** Plaintext bytes held, from the pieces held. */
  readonly bytesDone: number
  readonly bytesDown: number
  readonly bytesUp: number
  /** Bytes to and from peers reached through the server relay. */
  readonly relayedBytes: number
  readonly downRate: number
  readonly upRate: number
  readonly peers: readonly PeerInfo[]
  /** What went wrong with single peers (the swarm's reports); the drop carries on. */
  readonly warnings: readonly string[]
  readonly failure: DropFailure | null
  /** ms since epoch after which the sender wants the drop gone, if set. */
  readonly expiresAt: number | null
  readonly startedAt: number
  readonly completedAt: number | null
}

export interface DropEvents extends Record<string, unknown> {
  /** The file list is known (it decrypted). */
  named: { name: string; files: readonly FileSpan[]; totalBytes: number }
  /** Pieces or bytes moved: checked on each PROGRESS_INTERVAL_MS tick and when peers, the manifest or completion change. */
  progress: DropState
  complete: DropState
  failed: Exclude<DropFailure, { kind: 'expired' | 'revoked' }>
  expired: { expiresAt: number }
  revoked: undefined
  warning: string
  /** Anything in `state` changed: what a view re-renders on. */
  state: DropState
}

/** User Timing marks (visible in DevTools' performance panel; the benchmarks read them). */
export function mark(name: string): void {
  globalThis.performance?.mark?.(name)
}

/** The name a drop is listed by: the file's name, or "N files". */
export function dropName(paths: readonly string[]): string {
  return paths.length === 1 ? baseName(paths[0]) : `${paths.length} files`
}

const RATE_WINDOW_MS = 3_000
export const PROGRESS_INTERVAL_MS = 250
const MAX_WARNINGS = 20

export interface DropOptions {
  cid: Cid
  role: DropRole
  crypto: CryptoProvider
  /** The store of every drop: this one owns `store.drop(digest of cid)`. */
  store: ChunkStore
  keys: DropKeys | null
  /** Checks a manifest from a peer before it is stored (see SwarmOptions.admit). */
  admit?: (manifest: Manifest) => Promise<void>
  limiter?: UploadLimiter
  random?: () => number
  checkSpace?: SpaceCheck
  clock?: Clock
  /** Whether a drop held whole super-seeds (swarm/super-seed.ts); true by default. */
  superSeed?: boolean
}

export class Drop {
  readonly events = new Emitter<DropEvents>()
  readonly swarm: Swarm
  /** This drop's chunks, and no other drop's. */
  readonly chunks: DropChunks
  readonly #options: DropOptions
  readonly #clock: Clock
  #metadataKnown = false
  #state: DropState
  #samples: { at: number; down: number; up: number }[] = []
  #progressTimer: TimerId | undefined
  #expiryTimer: TimerId | undefined
  #running = false
  #stopped = false

  constructor(options: DropOptions) {
    this.#options = options
    this.#clock = options.clock ?? realClock
    const { cid, crypto, random, limiter, admit, superSeed } = options
    this.chunks = withRecentChunks(options.store.drop(digestOfCid(cid)), RECENT_CHUNK_BYTES)
    this.swarm = new Swarm({ cid, store: this.chunks, crypto, random, limiter, admit, superSeed, clock: this.#clock })
    this.#state = {
      cid,
      role: options.role,
      phase: 'finding-peers',
      name: null,
      files: null,
      fileBytesDone: null,
      totalBytes: null,
      piecesDone: 0,
      piecesTotal: null,
      bytesDone: 0,
      bytesDown: 0,
      bytesUp: 0,
      relayedBytes: 0,
      downRate: 0,
      upRate: 0,
      peers: [],
      warnings: [],
      failure: null,
      expiresAt: null,
      startedAt: this.#clock.now(),
      completedAt: null,
    }
  }

  /** Deletes a drop's chunks (manifest and pieces) from the store, running or not. */
  static async deleteChunks(store: ChunkStore, cid: Cid): Promise<void> {
    await store.deleteDrop(digestOfCid(cid))
  }

  get cid(): Cid {
    return this.#options.cid
  }

  get state(): DropState {
    return this.#state
  }

  /** Adopts a manifest already held and finds which pieces are here; nothing is announced yet. */
  async load(known?: { manifest: Manifest; bytes: Uint8Array }): Promise<void> {
    await this.swarm.start(known)
  }

  /** Starts reacting: to the manifest (file list, space, expiry), pieces, peers. Subscribe before calling it. */
  run(): void {
    if (this.#running || this.#stopped) return
    this.#running = true
    const swarm = this.swarm
    swarm.events.on('manifest', (m) => {
      mark('swarmdrop:manifest')
      void this.#onManifest(m)
    })
    // Progress is refreshed on the timer, not per piece: an update per piece costs real CPU at speed.
    let first = true
    swarm.events.on('piece', () => {
      if (first) mark('swarmdrop:first-piece')
      first = false
    })
    swarm.events.on('complete', () => mark('swarmdrop:complete'))
    swarm.events.on('refused', (err) => this.refuse(err))
    let peered = false
    swarm.events.on('peers', () => {
      if (!peered) mark('swarmdrop:first-peer')
      peered = true
      this.#refresh()
    })
    swarm.events.on('complete', () => this.#refresh())
    swarm.events.on('warning', (w) => {
      this.#update({ warnings: [...this.#state.warnings, w].slice(-MAX_WARNINGS) })
      this.events.emit('warning', w)
    })
    swarm.events.on('storage-error', (err) => {
      const full = err instanceof Error && err.name === 'QuotaExceededError'
      const have = swarm.have
      this.#fail({ kind: 'storage', full, detail: String(err), piecesHeld: have?.count ?? 0, piecesTotal: have?.size ?? 0 })
    })
    this.#progressTimer = this.#clock.setInterval(() => {
      // The timer alone could be late (a sleeping laptop): each tick also reads the clock.
      const expiresAt = this.#state.expiresAt
      if (expiresAt !== null && this.#clock.now() >= expiresAt) this.#fail({ kind: 'expired', expiresAt })
      this.#refresh()
    }, PROGRESS_INTERVAL_MS)
    if (swarm.manifest) void this.#onManifest(swarm.manifest)
  }

  /**
   * The plaintext of one file (or `range` of its bytes), in order, as the
   * pieces arrive; a player's reads come first (file-readers.ts).
   */
  async *readFile(file: FileSpan, signal?: AbortSignal, range?: ByteRange, playing = false): AsyncGenerator<Uint8Array> {
    const { keys, crypto } = this.#options
    if (!keys) throw new Error('this drop has no keys')
    this.#readers ??= new FileReaders(this.swarm, this.chunks, crypto, keys.pieceKey)
    yield* this.#readers.read(file, signal, range, playing)
  }

  #readers: FileReaders | null = null

  /** Stops serving and downloading; the chunks stay. */
  stop(): void {
    this.#stopped = true
    this.#clock.clearInterval(this.#progressTimer)
    this.#clock.clearTimeout(this.#expiryTimer)
    this.swarm.close()
    this.events.removeAllListeners()
  }

  /** Stops, and deletes the chunks. */
  async remove(): Promise<void> {
    this.stop()
    await Drop.deleteChunks(this.#options.store, this.cid)
  }

  /** The manifest was refused for this link (`err` from the engine's checks): fails, nothing was stored. */
  refuse(err: unknown): void {
    if (err instanceof DecryptionError) this.#fail({ kind: 'wrong-secret' })
    else this.#fail({ kind: 'invalid-content', fileList: false, detail: err instanceof Error ? err.message : String(err) })
  }

  /** The owner revoked the drop (a checked tombstone): it fails as revoked, and is to be deleted. */
  revoke(): void {
    this.#fail({ kind: 'revoked' })
  }

  /** Arms the expiry timer on the clock: at `expiresAt` the drop fails as expired. */
  #armExpiry(expiresAt: number): void {
    this.#clock.clearTimeout(this.#expiryTimer)
    const wait = expiresAt - this.#clock.now()
    if (wait <= 0) return this.#fail({ kind: 'expired', expiresAt })
    // Longer than a timer can wait: wake at the limit and wait again.
    this.#expiryTimer = this.#clock.setTimeout(() => this.#armExpiry(expiresAt), Math.min(wait, MAX_TIMER_MS))
  }

  async #onManifest(manifest: Manifest): Promise<void> {
    if (this.#stopped) return
    const { keys, crypto } = this.#options
    if (manifest.expiresAt !== undefined) {
      this.#update({ expiresAt: manifest.expiresAt })
      this.#armExpiry(manifest.expiresAt)
      if (this.#state.failure?.kind === 'expired') return
    }
    if (!keys) {
      // Held blind: no file list to read, but the space check still applies.
      await this.#checkSpace(manifest)
      return this.#refresh()
    }
    if (this.#metadataKnown) return this.#refresh()
    try {
      const plain = await openMetadata(crypto, keys.metaKey, manifest.encryptedMetadata)
      const metadata = decodeMetadata(plain, manifest.totalSize)
      this.#metadataKnown = true
      const files = fileSpans(metadata)
      const name = dropName(metadata.files.map((f) => f.path))
      this.#update({ files, totalBytes: manifest.totalSize, name })
      this.events.emit('named', { name, files, totalBytes: manifest.totalSize })
      await this.#checkSpace(manifest)
      this.#refresh() // show the file list with its progress now, not at the next tick
    } catch (err) {
      if (err instanceof DecryptionError) this.#fail({ kind: 'wrong-secret' })
      else if (err instanceof InvalidManifestError) this.#fail({ kind: 'invalid-content', fileList: true, detail: err.message })
      else this.#fail({ kind: 'invalid-content', fileList: false, detail: String(err) })
    }
  }

  /** Before fetching, make sure the missing pieces fit; if not, fail and do not start. */
  async #checkSpace(manifest: Manifest): Promise<void> {
    const have = this.swarm.have
    if (!this.#options.checkSpace || !have || have.complete) return
    const neededBytes = (have.size - have.count) * manifest.pieceSize
    const problem = await this.#options.checkSpace(neededBytes)
    if (problem) this.#fail({ kind: 'space', neededBytes, problem })
  }

  /** A revoked or expired drop is on its way out: nothing that happens after says otherwise. */
  #fail(failure: DropFailure): void {
    const current = this.#state.failure?.kind
    if (current === failure.kind || current === 'revoked' || current === 'expired') return
    this.swarm.stopDownloading()
    this.#clock.clearTimeout(this.#expiryTimer)
    this.#update({ phase: 'failed', failure })
    if (failure.kind === 'expired') this.events.emit('expired', { expiresAt: failure.expiresAt })
    else if (failure.kind === 'revoked') this.events.emit('revoked', undefined)
    else this.events.emit('failed', failure)
  }

  #refresh(): void {
    if (this.#stopped) return
    const swarm = this.swarm
    const now = this.#clock.now()
    this.#samples.push({ at: now, down: swarm.bytesDown, up: swarm.bytesUp })
    while (this.#samples.length > 2 && now - this.#samples[0].at > RATE_WINDOW_MS) this.#samples.shift()
    const first = this.#samples[0]
    const span = (now - first.at) / 1000
    const manifest = swarm.manifest
    const have = swarm.have
    const complete = have?.complete ?? false
    const was = this.#state
    let phase = was.phase
    if (phase !== 'failed') {
      if (complete && (this.#metadataKnown || !this.#options.keys)) phase = 'complete'
      else if (manifest) phase = 'downloading'
      else phase = swarm.peerCount > 0 ? 'fetching-manifest' : 'finding-peers'
    }
    const capacity = manifest ? pieceCapacity(manifest.pieceSize) : 0
    const bytesDone = manifest && have ? Math.min(manifest.totalSize, have.count * capacity) : 0
    const files = was.files
    this.#update({
      phase,
      fileBytesDone: files && have ? this.#fileBytesDone(files, capacity, have) : null,
      piecesDone: have?.count ?? 0,
      piecesTotal: have?.size ?? null,
      bytesDone: complete && manifest ? manifest.totalSize : bytesDone,
      bytesDown: swarm.bytesDown,
      bytesUp: swarm.bytesUp,
      relayedBytes: swarm.relayedBytes,
      downRate: span > 0 ? (swarm.bytesDown - first.down) / span : 0,
      upRate: span > 0 ? (swarm.bytesUp - first.up) / span : 0,
      peers: swarm.peers(),
      completedAt: phase === 'complete' ? (was.completedAt ?? now) : null,
    })
    const state = this.#state
    if (state === was) return
    if (state.piecesDone !== was.piecesDone || state.bytesDown !== was.bytesDown || state.bytesUp !== was.bytesUp) {
      this.events.emit('progress', state)
    }
    if (state.phase === 'complete' && was.phase !== 'complete') this.events.emit('complete', state)
  }

  /** Per-file progress, recounted only when pieces were added: a drop may have thousands of files. */
  #fileBytesDone(files: readonly FileSpan[], capacity: number, have: NonNullable<Swarm['have']>): readonly number[] {
    const last = this.#state.fileBytesDone
    if (last && last.length === files.length && have.count === this.#state.piecesDone) return last
    return fileBytesHeld(files, capacity, (i) => have.has(i))
  }

  #update(patch: Partial<DropState>): void {
    const next = { ...this.#state, ...patch }
    const changed = (Object.keys(patch) as (keyof DropState)[]).some((k) => {
      const a = this.#state[k]
      const b = next[k]
      if (a === b) return false
      return Array.isArray(a) ? JSON.stringify(a) !== JSON.stringify(b) : true
    })
    if (!changed) return
    this.#state = next
    this.events.emit('state', next)
  }
}
