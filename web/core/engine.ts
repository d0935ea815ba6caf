/**
 * The engine: the one object the app talks to, a facade over the parts it is
 * given (chunk store, library, crypto, signaling, a way to dial peers). It
 * decides which drops run and reacts to what they say (complete, named,
 * expired); the library's records are Library's (library/library.ts), peer
 * connections PeerLinks' (peer-links.ts), tombstones Revocation's
 * (revocation.ts), published mirror lists PublishedMirrors'
 * (mirror/published.ts), and each drop's lifecycle its Drop's (drop.ts).
 *
 * What this browser holds changes only through what it has checked: a
 * manifest that lists a held drop's manifest as a piece is refused, a link's
 * secret is stored only once it has opened the content, and a link's revoke
 * secret only if it hashes to the manifest's revoke hash.
 *
 * Everything is injected, so the same engine runs in the browser (IndexedDB,
 * WebRTC, WebSocket) and in Node tests (memory stores, memory transports, a
 * manual clock).
 */
import type { ChunkStore } from './storage/chunk-store.js'
import type { LibraryStore, DropRecord } from './library/library-store.js'
import type { CryptoProvider } from './crypto/provider.js'
import type { SignalingClient } from './signaling/client.js'
import type { PinClient, PinNodeClient } from './signaling/roles.js'
import type { DialFn } from './transport/transport.js'
import { type Cid, digestOfCid } from '../../format/cid.js'
import { type Manifest, decodeManifest } from '../../format/manifest.js'
import type { LinkTarget } from './content/link.js'
import { type DropKeys, deriveKeys } from './crypto/keys.js'
import { openMetadata } from './crypto/envelope.js'
import type { IngestOptions } from './chunking/ingest.js'
import { sealDrop } from './chunking/seal.js'
import type { SourceFile } from './chunking/source.js'
import { UploadLimiter } from './swarm/rate.js'
import { Drop, type DropRole, type SpaceCheck, mark } from './drop.js'
import { Library } from './library/library.js'
import { PeerLinks } from './peer-links.js'
import { Revocation } from './revocation.js'
import { bytesEqual, fromBase64Url, toBase64Url } from '../../format/bytes.js'
import { Emitter } from './util/emitter.js'
import { connectMirrors } from './mirror/mirrors.js'
import { PublishedMirrors } from './mirror/published.js'
import type { Fetch } from './mirror/mirror-connection.js'
import { type Clock, type TimerId, realClock } from './util/clock.js'
import { InvalidManifestError } from '../../format/errors.js'

export interface EngineOptions {
  store: ChunkStore
  library: LibraryStore
  crypto: CryptoProvider
  signaling: SignalingClient
  dial: DialFn
  /** The page's upload limit; unlimited by default. */
  limiter?: UploadLimiter
  /** Says whether a download of N more bytes fits (the browser's storage estimate). */
  checkSpace?: SpaceCheck
  /** Connections per swarm: enough peers to spread load, few enough to keep each busy. */
  maxPeersPerSwarm?: number
  /** Connections per page: Chromium slows down well before its hard limit of ~500 peer connections. */
  maxConnections?: number
  connectTimeoutMs?: number
  /** How often a swarm short of peers asks the server for more. */
  lookupIntervalMs?: number
  random?: () => number
  /** Time for expiry, lookups and records; the real one by default. */
  clock?: Clock
  /** How mirrors are fetched; the platform's fetch by default. */
  fetch?: Fetch
  /** Whether drops held whole super-seed to a crowd (swarm/super-seed.ts); true by default. */
  superSeed?: boolean
}

export interface EngineEvents extends Record<string, unknown> {
  /** The library changed (a drop added, removed, renamed, stopped or resumed). */
  library: undefined
}

type Known = { manifest: Manifest; bytes: Uint8Array }

export class Engine {
  readonly events = new Emitter<EngineEvents>()
  readonly limiter: UploadLimiter
  readonly #options: Required<Omit<EngineOptions, 'checkSpace' | 'limiter'>> & Pick<EngineOptions, 'checkSpace'>
  readonly #drops = new Map<Cid, Drop>()
  /** The link secret (base64url) each running drop was started with; null when held blind. */
  readonly #secrets = new WeakMap<Drop, string | null>()
  readonly #library: Library
  readonly #links: PeerLinks
  readonly #revocation: Revocation
  readonly #published: PublishedMirrors
  readonly #lookupTimer: TimerId

  constructor(options: EngineOptions) {
    this.#options = {
      maxPeersPerSwarm: 24,
      maxConnections: 120,
      connectTimeoutMs: 15_000,
      lookupIntervalMs: 5_000,
      random: Math.random,
      superSeed: true,
      ...options,
      clock: options.clock ?? realClock,
      fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
    }
    const { signaling, clock, crypto } = this.#options
    this.limiter = options.limiter ?? new UploadLimiter()
    this.#library = new Library(options.library, crypto, () => clock.now())
    this.#library.events.on('changed', () => this.events.emit('library', undefined))
    this.#links = new PeerLinks({ ...this.#options, drops: this.#drops })
    const host = {
      signaling,
      crypto,
      clock,
      library: this.#library,
      drop: (cid: Cid) => this.#drops.get(cid),
      storedManifest: (cid: Cid) => this.#storedManifest(cid),
    }
    this.#revocation = new Revocation({
      ...host,
      remove: (cid) => this.remove(cid),
      background: (cid, work) => this.#background(cid, work),
    })
    this.#published = new PublishedMirrors({ ...host, fetch: this.#options.fetch })
    this.#lookupTimer = clock.setInterval(() => {
      for (const drop of this.#drops.values()) {
        // Holders of everything are found by those who need pieces: only those look.
        if (!drop.swarm.have?.complete && this.#links.wantsPeers(drop)) signaling.lookup(drop.cid)
      }
    }, this.#options.lookupIntervalMs)
  }

  get signaling(): SignalingClient {
    return this.#options.signaling
  }

  /** Asking the server's pin nodes to keep a drop: what the UI and CLI use, instead of the whole signaling client. */
  get pins(): PinClient {
    return this.#options.signaling
  }

  /** For a pin node (cli/pin-node.ts): the server's pin requests, and its heartbeat and reports. */
  get pinNode(): PinNodeClient {
    return this.#options.signaling
  }

  /** A drop's published mirror list: what the owner's tools read and publish (the engine connects its mirrors itself). */
  get mirrorLists(): PublishedMirrors {
    return this.#published
  }

  /** The running drop of this CID, if any. */
  drop(cid: Cid): Drop | undefined {
    return this.#drops.get(cid)
  }

  library(): Promise<DropRecord[]> {
    return this.#library.list()
  }

  /** Serves every drop the library marks as seeding: called when the app opens. */
  async restoreLibrary(): Promise<void> {
    for (const record of await this.#library.list()) {
      if (record.seeding && !this.#drops.has(record.cid)) await this.#resume(record)
    }
  }

  /**
   * Cuts, encrypts, hashes and stores the files, then seeds them. Returns the
   * link fragment, and the owner fragment that can also revoke the drop.
   */
  async share(
    files: readonly SourceFile[],
    options: Pick<IngestOptions, 'onProgress' | 'signal' | 'pieceSize' | 'secret' | 'expiresAt'> & { password?: string } = {},
  ): Promise<{ drop: Drop; fragment: string; ownerFragment: string }> {
    const { crypto, store } = this.#options
    mark('swarmdrop:ingest-start')
    const { result, revokeSecret, fragment, ownerFragment } = await sealDrop(files, { crypto, store, ...options })
    mark('swarmdrop:ingest-end')
    const existing = this.#drops.get(result.cid)
    if (existing) return { drop: existing, fragment, ownerFragment }
    await this.#library.addShared({
      cid: result.cid,
      secret: toBase64Url(result.secret),
      name: files.length === 1 ? files[0].path : `${files.length} files`,
      totalBytes: result.manifest.totalSize,
      revokeSecret: toBase64Url(revokeSecret),
    })
    const drop = await this.#start(result.cid, result.secret, 'sharing', { manifest: result.manifest, bytes: result.manifestBytes })
    this.#library.changed()
    return { drop, fragment, ownerFragment }
  }

  /**
   * Starts (or returns) the download of a link target. Pieces already stored
   * are not fetched again. Nothing stored changes until the link's secret has
   * opened the content (its file list decrypts): a secret that does not gives
   * a drop failed as 'wrong-secret', and a drop held before stays as it was,
   * record and bytes.
   */
  async open(target: LinkTarget): Promise<Drop> {
    const drop = await this.#open(target)
    const mirrors = target.mirrors ?? []
    if (mirrors.length > 0 && drop.state.phase !== 'failed') {
      connectMirrors(drop.swarm, target.cid, mirrors, { crypto: this.#options.crypto, fetch: this.#options.fetch })
    }
    return drop
  }

  async #open(target: LinkTarget): Promise<Drop> {
    const { cid } = target
    const running = this.#drops.get(cid)
    const held = await this.#library.get(cid)
    const role = held?.role === 'shared' ? 'sharing' : 'downloading'
    const known = running?.swarm.manifest
      ? { manifest: running.swarm.manifest, bytes: running.swarm.manifestBytes! }
      : await this.#storedManifest(cid)
    if (running && this.#secrets.get(running) === toBase64Url(target.secret)) {
      if (known) await this.#library.admitted(target, known.manifest) // an owner link may bring the revoke secret
      return running
    }
    if (known) {
      const keys = await deriveKeys(this.#options.crypto, target.secret)
      try {
        await this.#check(cid, known.manifest, keys)
      } catch (err) {
        return this.#refused(cid, role, err)
      }
      await this.#library.admitted(target, known.manifest)
      this.#stop(cid) // a blind or other-secret drop of it gives way
      return this.#start(cid, target.secret, role, known)
    }
    // Not here yet: the manifest comes from a peer, and is stored (with the record) only if the secret opens it.
    this.#stop(cid)
    return this.#start(cid, target.secret, role, undefined, { target, resume: running && held ? held : null })
  }

  /**
   * Fetches and serves a drop blind, by CID alone: the manifest and sealed
   * pieces, verified by hash, never decrypted. What a pin node does.
   */
  async hold(cid: Cid, replicas?: number): Promise<Drop> {
    const existing = this.#drops.get(cid)
    if (existing) return existing
    const record = await this.#library.remember(cid, 'pinned', { replicas })
    if (record.secret) return this.#resume(record)
    return this.#start(cid, null, 'pinning', await this.#storedManifest(cid))
  }

  /** Stops serving a drop (and downloading it); its pieces stay for later. */
  async setSeeding(cid: Cid, seeding: boolean): Promise<void> {
    const record = await this.#library.setSeeding(cid, seeding)
    if (!record) return
    if (seeding) await this.#resume(record)
    else this.#stop(cid)
    this.#library.changed()
  }

  /**
   * "Stop sharing everywhere": sends the tombstone (revoke secret and
   * manifest) through the server, which checks it and tells every peer in the
   * swarm, and every peer that comes back later. Resolves once the server has
   * confirmed and this browser has deleted the drop.
   */
  revoke(cid: Cid): Promise<void> {
    return this.#revocation.revoke(cid)
  }

  /** Stops a drop and deletes its pieces, manifest and library record from this browser; no other drop's. */
  async remove(cid: Cid): Promise<void> {
    const drop = this.#drops.get(cid)
    this.#stop(cid)
    if (drop) await drop.remove()
    else await Drop.deleteChunks(this.#options.store, cid)
    await this.#library.delete(cid)
  }

  close(): void {
    this.#options.clock.clearInterval(this.#lookupTimer)
    for (const cid of [...this.#drops.keys()]) this.#stop(cid)
    this.#links.close()
    this.#revocation.close()
    this.#published.close()
    this.events.removeAllListeners()
  }

  /**
   * What a manifest must pass before this browser takes it for a drop: it
   * lists no held drop's manifest as a piece (a drop crafted against that
   * one), and with a secret, the secret opens its file list.
   */
  async #check(cid: Cid, manifest: Manifest, keys: DropKeys | null): Promise<void> {
    if (await this.#library.listsHeldManifest(cid, manifest)) {
      throw new InvalidManifestError(
        'This content lists the manifest of a drop this browser holds as one of its pieces: it was crafted against that drop, and is refused.',
      )
    }
    if (keys) await openMetadata(this.#options.crypto, keys.metaKey, manifest.encryptedMetadata) // throws DecryptionError
  }

  /** A drop that never ran: the manifest this browser holds was refused for this link. */
  #refused(cid: Cid, role: DropRole, error: unknown): Drop {
    const { crypto, store, clock } = this.#options
    const drop = new Drop({ cid, role, crypto, store, keys: null, clock })
    drop.refuse(error)
    drop.stop()
    return drop
  }

  /** Work started by an event: a failure is shown on the drop (and cannot become an unhandled rejection). */
  #background(cid: Cid, work: Promise<unknown>): void {
    work.catch((err) => {
      const message = err instanceof Error ? err.message : String(err)
      this.#drops.get(cid)?.swarm.events.emit('warning', `Something failed in the background: ${message}`)
      this.#revocation.failed(cid, message)
    })
  }

  async #resume(record: DropRecord): Promise<Drop> {
    const role = record.secret === null ? 'pinning' : record.role === 'shared' ? 'sharing' : 'downloading'
    const secret = record.secret === null ? null : fromBase64Url(record.secret)
    return this.#start(record.cid, secret, role, await this.#storedManifest(record.cid))
  }

  async #storedManifest(cid: Cid): Promise<Known | undefined> {
    const digest = digestOfCid(cid)
    const bytes = await this.#options.store.drop(digest).get(digest)
    if (!bytes || !bytesEqual(await this.#options.crypto.sha256(bytes), digest)) return undefined
    return { manifest: decodeManifest(bytes), bytes }
  }

  /**
   * Runs a drop. An `attempt` is a link being tried on a manifest still to
   * come: it is admitted (and the library written) only if the secret opens
   * it; if not, the attempt stops, and a held drop it replaced runs again.
   */
  async #start(
    cid: Cid,
    secret: Uint8Array | null,
    role: DropRole,
    known?: Known,
    attempt?: { target: LinkTarget; resume: DropRecord | null },
  ): Promise<Drop> {
    const { crypto, store, random, checkSpace, clock, signaling, superSeed } = this.#options
    const keys = secret ? await deriveKeys(crypto, secret) : null
    if (known) {
      try {
        await this.#check(cid, known.manifest, null)
      } catch (err) {
        return this.#refused(cid, role, err)
      }
    }
    const admit = async (manifest: Manifest) => {
      await this.#check(cid, manifest, attempt ? keys : null)
      if (attempt) await this.#library.admitted(attempt.target, manifest)
    }
    const drop = new Drop({ cid, role, crypto, store, keys, admit, random, limiter: this.limiter, checkSpace, clock, superSeed })
    await drop.load(known)
    const running = this.#drops.get(cid)
    if (running) {
      drop.stop()
      return running
    }
    this.#drops.set(cid, drop)
    this.#secrets.set(drop, secret && toBase64Url(secret))
    const current = () => this.#drops.get(cid) === drop
    // Past its expiry a drop is deleted here, as on every honest peer; the page still says why.
    drop.events.on('expired', () => current() && this.#background(cid, this.remove(cid)))
    drop.events.on('named', ({ name, totalBytes }) => this.#background(cid, this.#library.rename(cid, name, totalBytes)))
    let announcedComplete = drop.swarm.have?.complete ?? false
    drop.events.on('complete', () => {
      if (!announcedComplete) signaling.announce(cid, true)
      announcedComplete = true
    })
    drop.swarm.events.on('tombstone', (secret) => this.#revocation.fromPeer(cid, secret))
    signaling.announce(cid, announcedComplete)
    if (!announcedComplete && role !== 'sharing') this.#published.follow(cid)
    drop.run()
    if (attempt) {
      // After run(), so the drop has failed (and said so) before it stops.
      drop.swarm.events.on('refused', () => {
        if (!current()) return
        this.#stop(cid)
        if (attempt.resume) this.#background(cid, this.#resume(attempt.resume))
      })
    }
    return drop
  }

  #stop(cid: Cid): void {
    const drop = this.#drops.get(cid)
    if (!drop) return
    this.#drops.delete(cid)
    this.#links.stop(cid)
    // Closing the swarm signals relay-close to relayed peers; the server forwards it only while we are a member.
    drop.stop()
    this.#options.signaling.leave(cid)
  }
}
