/**
 * A Transfer is one drop as this browser holds it: its swarm, and, when the
 * secret is known, its keys and file list. It turns swarm events into an
 * immutable snapshot that a UI can subscribe to (useSyncExternalStore), and
 * reads files back out of the store one piece at a time.
 */
import type { Cid } from '../../format/cid.js'
import type { CryptoProvider } from './crypto/provider.js'
import type { DropChunks } from './storage/chunk-store.js'
import { type Manifest, pieceCapacity } from '../../format/manifest.js'
import { type DropKeys } from './crypto/keys.js'
import { openMetadata } from './crypto/envelope.js'
import { fileBytesHeld } from './chunking/file-progress.js'
import { type DropMetadata, type FileSpan, baseName, decodeMetadata, fileSpans } from './content/metadata.js'
import { readFileBytes } from './chunking/assemble.js'
import type { PeerInfo, Swarm } from './swarm/swarm.js'
import { DecryptionError } from './util/errors.js'
import { InvalidManifestError } from '../../format/errors.js'

export type TransferPhase = 'finding-peers' | 'fetching-manifest' | 'downloading' | 'complete' | 'failed'

/** Resolves null when `neededBytes` more fit in the browser's storage, else a message for the user. */
export type SpaceCheck = (neededBytes: number) => Promise<string | null>

export interface TransferSnapshot {
  readonly cid: Cid
  /** 'pinning': held blind (no secret) to serve others, as a pin node does. */
  readonly role: 'sharing' | 'downloading' | 'pinning'
  readonly phase: TransferPhase
  /** The file's name, or "N files"; null until the file list is known. */
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
  readonly warnings: readonly string[]
  readonly error: string | null
  /** What kind of failure `error` is, for callers that act on it (a password form retries on 'wrong-secret'). */
  readonly errorKind: 'wrong-secret' | 'invalid-content' | 'storage' | 'space' | 'expired' | 'revoked' | null
  /** ms since epoch after which the sender wants the drop gone, if set. */
  readonly expiresAt: number | null
  readonly startedAt: number
  readonly completedAt: number | null
}

/** User Timing marks (visible in DevTools' performance panel; the benchmarks read them). */
export function mark(name: string): void {
  globalThis.performance?.mark?.(name)
}

const WRONG_SECRET = 'The link’s secret (or the password) does not open this content.'
const RATE_WINDOW_MS = 3_000
const SNAPSHOT_INTERVAL_MS = 250
const MAX_WARNINGS = 20

export interface TransferOptions {
  swarm: Swarm
  role: TransferSnapshot['role']
  crypto: CryptoProvider
  /** The drop's chunks. */
  store: DropChunks
  keys: DropKeys | null
  checkSpace?: SpaceCheck
  now?: () => number
}

export class Transfer {
  readonly swarm: Swarm
  #options: TransferOptions
  #metadata: DropMetadata | null = null
  #snapshot: TransferSnapshot
  #listeners = new Set<() => void>()
  #namedListeners: ((name: string, totalBytes: number) => void)[] = []
  #samples: { at: number; down: number; up: number }[] = []
  #timer: ReturnType<typeof setInterval>
  #now: () => number

  constructor(options: TransferOptions) {
    this.swarm = options.swarm
    this.#options = options
    this.#now = options.now ?? Date.now
    const now = this.#now()
    this.#snapshot = {
      cid: options.swarm.cid,
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
      error: null,
      errorKind: null,
      expiresAt: null,
      startedAt: now,
      completedAt: null,
    }
    const swarm = options.swarm
    swarm.events.on('manifest', (m) => void this.#onManifest(m))
    // Progress is refreshed on the timer, not per piece: a UI update per piece costs real CPU at speed.
    let first = true
    swarm.events.on('piece', () => {
      if (first) mark('swarmdrop:first-piece')
      first = false
    })
    swarm.events.on('complete', () => mark('swarmdrop:complete'))
    swarm.events.on('refused', (err) => this.refuse(err))
    swarm.events.on('peers', () => this.#refresh())
    swarm.events.on('complete', () => this.#refresh())
    swarm.events.on('warning', (w) => {
      this.#update({ warnings: [...this.#snapshot.warnings, w].slice(-MAX_WARNINGS) })
    })
    swarm.events.on('storage-error', (err) => {
      const have = swarm.have
      const detail = err instanceof Error && err.name === 'QuotaExceededError' ? 'storage is full' : `storage failed (${String(err)})`
      this.#fail(
        `This browser's ${detail}. ${have?.count ?? 0} of ${have?.size ?? 0} pieces are saved and still shared; ` +
          'free some disk space, then open the link again to continue.',
        'storage',
      )
    })
    this.#timer = setInterval(() => this.#refresh(), SNAPSHOT_INTERVAL_MS)
    if (swarm.manifest) void this.#onManifest(swarm.manifest)
  }

  get cid(): Cid {
    return this.swarm.cid
  }

  /** Called once the file list is known, with a short name for lists. */
  onNamed(listener: (name: string, totalBytes: number) => void): void {
    this.#namedListeners.push(listener)
    if (this.#snapshot.name !== null) listener(this.#snapshot.name, this.#snapshot.totalBytes ?? 0)
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  getSnapshot = (): TransferSnapshot => this.#snapshot

  /** The plaintext of one file, a piece at a time. Requires the keys and a complete transfer. */
  readFile(file: FileSpan, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const { keys, crypto, store } = this.#options
    if (!keys || !this.swarm.manifest) throw new Error('this transfer has no keys or manifest')
    return readFileBytes({ crypto, store, manifest: this.swarm.manifest, pieceKey: keys.pieceKey }, file, signal)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.swarm.close()
    this.#listeners.clear()
  }

  /** The manifest was refused for this link (`err` from the engine's checks): fails, nothing was stored. */
  refuse(err: unknown): void {
    if (err instanceof DecryptionError) this.#fail(WRONG_SECRET, 'wrong-secret')
    else this.#fail(err instanceof Error ? err.message : String(err), 'invalid-content')
  }

  /** The owner revoked the drop: fails with that reason (the engine then deletes it). */
  markRevoked(): void {
    this.#fail('The owner stopped sharing this link everywhere: its files are no longer available.', 'revoked')
  }

  /** Fails the transfer as expired when its manifest's expiry has passed; true if it has. */
  checkExpiry(): boolean {
    const expiresAt = this.swarm.manifest?.expiresAt
    if (expiresAt === undefined || this.#now() < expiresAt) return false
    if (this.#snapshot.errorKind !== 'expired') {
      this.#fail(`This link expired on ${new Date(expiresAt).toLocaleString()}: its files are no longer shared.`, 'expired')
    }
    return true
  }

  async #onManifest(manifest: Manifest): Promise<void> {
    const { keys, crypto } = this.#options
    if (manifest.expiresAt !== undefined) this.#update({ expiresAt: manifest.expiresAt })
    if (this.checkExpiry()) return
    if (!keys) {
      // Held blind: no file list to read, but the space check still applies.
      await this.#checkSpace(manifest)
      return this.#refresh()
    }
    if (this.#metadata) return this.#refresh()
    try {
      const plain = await openMetadata(crypto, keys.metaKey, manifest.encryptedMetadata)
      this.#metadata = decodeMetadata(plain, manifest.totalSize)
      const files = this.#metadata.files
      const name = files.length === 1 ? baseName(files[0].path) : `${files.length} files`
      this.#update({ files: fileSpans(this.#metadata), totalBytes: manifest.totalSize, name })
      for (const listener of this.#namedListeners) listener(name, manifest.totalSize)
      await this.#checkSpace(manifest)
      this.#refresh() // show the file list with its progress now, not at the next tick
    } catch (err) {
      if (err instanceof DecryptionError) {
        this.#fail(WRONG_SECRET, 'wrong-secret')
      } else {
        const reason = err instanceof InvalidManifestError ? `The file list in this content is invalid: ${err.message}` : String(err)
        this.#fail(reason, 'invalid-content')
      }
    }
  }

  /** Before fetching, make sure the missing pieces fit; if not, say so and do not start. */
  async #checkSpace(manifest: Manifest): Promise<void> {
    const have = this.swarm.have
    if (!this.#options.checkSpace || !have || have.complete) return
    const needed = (have.size - have.count) * manifest.pieceSize
    const problem = await this.#options.checkSpace(needed)
    if (problem) this.#fail(problem, 'space')
  }

  #fail(error: string, errorKind: NonNullable<TransferSnapshot['errorKind']>): void {
    this.swarm.stopDownloading()
    this.#update({ phase: 'failed', error, errorKind })
  }

  #refresh(): void {
    const swarm = this.swarm
    const now = this.#now()
    this.#samples.push({ at: now, down: swarm.bytesDown, up: swarm.bytesUp })
    while (this.#samples.length > 2 && now - this.#samples[0].at > RATE_WINDOW_MS) this.#samples.shift()
    const first = this.#samples[0]
    const span = (now - first.at) / 1000
    const manifest = swarm.manifest
    const have = swarm.have
    const complete = have?.complete ?? false
    let phase: TransferPhase = this.#snapshot.phase
    if (phase !== 'failed') {
      if (complete && (this.#metadata || !this.#options.keys)) phase = 'complete'
      else if (manifest) phase = 'downloading'
      else phase = swarm.peerCount > 0 ? 'fetching-manifest' : 'finding-peers'
    }
    const capacity = manifest ? pieceCapacity(manifest.pieceSize) : 0

    const bytesDone = manifest && have ? Math.min(manifest.totalSize, have.count * capacity) : 0
    const files = this.#snapshot.files
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
      completedAt: phase === 'complete' ? (this.#snapshot.completedAt ?? now) : null,
    })
  }

  /** Per-file progress, recounted only when pieces were added: a drop may have thousands of files. */
  #fileBytesDone(files: readonly FileSpan[], capacity: number, have: NonNullable<Swarm['have']>): readonly number[] {
    const last = this.#snapshot.fileBytesDone
    if (last && last.length === files.length && have.count === this.#snapshot.piecesDone) return last
    return fileBytesHeld(files, capacity, (i) => have.has(i))
  }

  #update(patch: Partial<TransferSnapshot>): void {
    const next = { ...this.#snapshot, ...patch }
    const changed = (Object.keys(patch) as (keyof TransferSnapshot)[]).some((k) => {
      const a = this.#snapshot[k]
      const b = next[k]
      if (a === b) return false
      return Array.isArray(a) ? JSON.stringify(a) !== JSON.stringify(b) : true
    })
    if (!changed) return
    this.#snapshot = next
    for (const listener of [...this.#listeners]) listener()
  }
}
