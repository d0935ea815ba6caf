/**
 * The engine: the one object the app talks to. It assembles the parts it is
 * given (chunk store, library, crypto, signaling, a way to dial peers) into
 * sharing, downloading and seeding, and owns the bookkeeping between them:
 * which transfers run, and the library of drops. Peer connections are
 * PeerLinks' (peer-links.ts), tombstones Revocation's (revocation.ts).
 *
 * What this browser holds changes only through what it has checked: a
 * manifest that lists a held drop's manifest as a piece is refused, a link's
 * secret is stored only once it has opened the content, and a link's revoke
 * secret only if it hashes to the manifest's revoke hash.
 *
 * Everything is injected, so the same engine runs in the browser (IndexedDB,
 * WebRTC, WebSocket) and in Node tests (memory stores, memory transports).
 */
import type { ChunkStore } from './storage/chunk-store.js'
import type { LibraryStore, DropRecord } from './library/library-store.js'
import type { CryptoProvider } from './crypto/provider.js'
import type { SignalingClient } from './signaling/client.js'
import type { PinClient, PinNodeClient } from './signaling/roles.js'
import type { DialFn } from './transport/transport.js'
import { type Cid, digestOfCid } from '../../format/cid.js'
import { type Manifest, decodeManifest } from '../../format/manifest.js'
import { type LinkTarget, formatFragment, formatOwnerFragment, formatPasswordFragment } from './content/link.js'
import { isValidTombstone, newRevokeSecret, revokeHashOf } from '../../format/tombstone.js'
import { newSalt, secretFromPassword } from './crypto/password.js'
import { type DropKeys, deriveKeys } from './crypto/keys.js'
import { openMetadata } from './crypto/envelope.js'
import { type IngestOptions, ingest } from './chunking/ingest.js'
import type { SourceFile } from './chunking/source.js'
import { Swarm } from './swarm/swarm.js'
import { UploadLimiter } from './swarm/rate.js'
import { Transfer, type SpaceCheck, type TransferSnapshot, mark } from './transfer.js'
import { PeerLinks } from './peer-links.js'
import { Revocation } from './revocation.js'
import { toHex } from './util/bytes.js'
import { bytesEqual, fromBase64Url, toBase64Url } from '../../format/bytes.js'
import { Emitter } from './util/emitter.js'
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
  now?: () => number
}

export interface EngineEvents extends Record<string, unknown> {
  /** The library changed (a drop added, removed, renamed, stopped or resumed). */
  library: undefined
}

export class Engine {
  readonly events = new Emitter<EngineEvents>()
  readonly limiter: UploadLimiter
  readonly #options: Required<Omit<EngineOptions, 'checkSpace' | 'limiter'>> & Pick<EngineOptions, 'checkSpace'>
  readonly #transfers = new Map<Cid, Transfer>()
  /** The link secret (base64url) each running transfer was started with; null when held blind. */
  readonly #secrets = new WeakMap<Transfer, string | null>()
  readonly #links: PeerLinks
  readonly #revocation: Revocation
  readonly #lookupTimer: ReturnType<typeof setInterval>

  constructor(options: EngineOptions) {
    this.#options = {
      maxPeersPerSwarm: 24,
      maxConnections: 120,
      connectTimeoutMs: 15_000,
      lookupIntervalMs: 5_000,
      random: Math.random,
      now: Date.now,
      ...options,
    }
    this.limiter = options.limiter ?? new UploadLimiter()
    const { signaling } = options
    this.#links = new PeerLinks({ ...this.#options, transfers: this.#transfers })
    this.#revocation = new Revocation({
      signaling,
      crypto: options.crypto,
      library: options.library,
      transfer: (cid) => this.#transfers.get(cid),
      storedManifest: (cid) => this.#storedManifest(cid),
      remove: (cid) => this.remove(cid),
      background: (cid, work) => this.#background(cid, work),
    })
    this.#lookupTimer = setInterval(() => {
      for (const t of [...this.#transfers.values()]) {
        if (t.checkExpiry()) continue // its subscription removes it
        // Holders of everything are found by those who need pieces: only those look.
        if (!t.swarm.have?.complete && t.swarm.peerCount < this.#options.maxPeersPerSwarm) signaling.lookup(t.cid)
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

  transfer(cid: Cid): Transfer | undefined {
    return this.#transfers.get(cid)
  }

  library(): Promise<DropRecord[]> {
    return this.#options.library.list()
  }

  /** Serves every drop the library marks as seeding: called when the app opens. */
  async restoreLibrary(): Promise<void> {
    for (const record of await this.#options.library.list()) {
      if (record.seeding && !this.#transfers.has(record.cid)) await this.#resume(record)
    }
  }

  /**
   * Cuts, encrypts, hashes and stores the files, then seeds them. Returns the
   * link fragment, and the owner fragment that can also revoke the drop.
   */
  async share(
    files: readonly SourceFile[],
    options: Pick<IngestOptions, 'onProgress' | 'signal' | 'pieceSize' | 'secret' | 'expiresAt'> & { password?: string } = {},
  ): Promise<{ transfer: Transfer; fragment: string; ownerFragment: string }> {
    const { crypto, store, library } = this.#options
    // With a password the link carries a salt, and the secret comes from password and salt.
    const salt = options.password ? newSalt() : undefined
    const secret = salt ? await secretFromPassword(options.password!, salt) : options.secret
    const revokeSecret = newRevokeSecret()
    mark('swarmdrop:ingest-start')
    const result = await ingest(files, { crypto, store, ...options, secret, revokeHash: await revokeHashOf(crypto, revokeSecret) })
    mark('swarmdrop:ingest-end')
    const fragment = salt ? formatPasswordFragment({ cid: result.cid, salt }) : formatFragment({ cid: result.cid, secret: result.secret })
    const ownerFragment = formatOwnerFragment({ cid: result.cid, secret: result.secret, revokeSecret })
    const existing = this.#transfers.get(result.cid)
    if (existing) return { transfer: existing, fragment, ownerFragment }
    const name = files.length === 1 ? files[0].path : `${files.length} files`
    await library.put({
      cid: result.cid,
      role: 'shared',
      secret: toBase64Url(result.secret),
      name,
      totalBytes: result.manifest.totalSize,
      addedAt: Date.now(),
      seeding: true,
      revokeSecret: toBase64Url(revokeSecret),
    })
    const transfer = await this.#start(result.cid, result.secret, 'sharing', { manifest: result.manifest, bytes: result.manifestBytes })
    this.events.emit('library', undefined)
    return { transfer, fragment, ownerFragment }
  }

  /**
   * Starts (or returns) the download of a link target. Pieces already stored
   * are not fetched again. Nothing stored changes until the link's secret has
   * opened the content (its file list decrypts): a secret that does not gives
   * a transfer failed as 'wrong-secret', and a drop held before stays as it
   * was, record and bytes.
   */
  async open(target: LinkTarget): Promise<Transfer> {
    const { cid } = target
    const running = this.#transfers.get(cid)
    const held = await this.#options.library.get(cid)
    const role = held?.role === 'shared' ? 'sharing' : 'downloading'
    const known = running?.swarm.manifest ? { manifest: running.swarm.manifest, bytes: running.swarm.manifestBytes! } : await this.#storedManifest(cid)
    if (running && this.#secrets.get(running) === toBase64Url(target.secret)) {
      if (known) await this.#admitted(target, known.manifest) // an owner link may bring the revoke secret
      return running
    }
    if (known) {
      const keys = await deriveKeys(this.#options.crypto, target.secret)
      try {
        await this.#check(cid, known.manifest, keys)
      } catch (err) {
        return this.#refused(cid, role, err)
      }
      await this.#admitted(target, known.manifest)
      this.#stop(cid) // a blind or other-secret transfer of it gives way
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
  async hold(cid: Cid, replicas?: number): Promise<Transfer> {
    const existing = this.#transfers.get(cid)
    if (existing) return existing
    const record = await this.#remember(cid, 'pinned', { replicas })
    if (record.secret) return this.#resume(record)
    return this.#start(cid, null, 'pinning', await this.#storedManifest(cid))
  }

  /** Stops serving a drop (and downloading it); its pieces stay for later. */
  async setSeeding(cid: Cid, seeding: boolean): Promise<void> {
    const record = await this.#options.library.get(cid)
    if (!record) return
    await this.#options.library.put({ ...record, seeding })
    if (seeding) await this.#resume(record)
    else this.#stop(cid)
    this.events.emit('library', undefined)
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
    this.#stop(cid)
    await this.#options.store.deleteDrop(digestOfCid(cid))
    await this.#options.library.delete(cid)
    this.events.emit('library', undefined)
  }

  close(): void {
    clearInterval(this.#lookupTimer)
    for (const cid of [...this.#transfers.keys()]) this.#stop(cid)
    this.#links.close()
    this.#revocation.close()
    this.events.removeAllListeners()
  }

  /** Puts a drop in the library as served, keeping what is known of it; tells the UI only if something changed. */
  async #remember(cid: Cid, role: DropRecord['role'], changes: Partial<DropRecord>): Promise<DropRecord> {
    const { library } = this.#options
    const record = await library.get(cid)
    const next: DropRecord = {
      cid,
      role: record?.role ?? role,
      secret: record?.secret ?? null,
      name: record?.name ?? null,
      totalBytes: record?.totalBytes ?? null,
      addedAt: record?.addedAt ?? Date.now(),
      revokeSecret: record?.revokeSecret,
      replicas: record?.replicas,
      ...changes,
      seeding: true,
    }
    const changed = !record || (Object.keys(next) as (keyof DropRecord)[]).some((k) => next[k] !== record[k])
    if (changed) {
      await library.put(next)
      this.events.emit('library', undefined)
    }
    return next
  }

  /** A link's secret opened the manifest: it goes in the library, and its revoke secret too if it is this drop's. */
  async #admitted(target: LinkTarget, manifest: Manifest): Promise<void> {
    const owner = target.revokeSecret && (await isValidTombstone(this.#options.crypto, manifest, target.revokeSecret))
    await this.#remember(target.cid, 'downloaded', {
      secret: toBase64Url(target.secret),
      ...(owner ? { revokeSecret: toBase64Url(target.revokeSecret!) } : {}),
    })
  }

  /**
   * What a manifest must pass before this browser takes it for a drop: it
   * lists no held drop's manifest as a piece (a drop crafted against that
   * one), and with a secret, the secret opens its file list.
   */
  async #check(cid: Cid, manifest: Manifest, keys: DropKeys | null): Promise<void> {
    const manifests = new Set([cid, ...(await this.#options.library.list()).map((r) => r.cid)].map((c) => toHex(digestOfCid(c))))
    if (manifest.pieceIds.some((id) => manifests.has(toHex(id)))) {
      throw new InvalidManifestError('This content lists the manifest of a drop this browser holds as one of its pieces: it was crafted against that drop, and is refused.')
    }
    if (keys) await openMetadata(this.#options.crypto, keys.metaKey, manifest.encryptedMetadata) // throws DecryptionError
  }

  /** A transfer that never ran: the manifest this browser holds was refused for this link. */
  #refused(cid: Cid, role: TransferSnapshot['role'], error: unknown): Transfer {
    const { crypto, store } = this.#options
    const chunks = store.drop(digestOfCid(cid))
    const transfer = new Transfer({ swarm: new Swarm({ cid, store: chunks, crypto }), role, crypto, store: chunks, keys: null })
    transfer.refuse(error)
    transfer.stop()
    return transfer
  }

  /** Work started by an event: a failure is shown on the drop's transfer (and cannot become an unhandled rejection). */
  #background(cid: Cid, work: Promise<unknown>): void {
    work.catch((err) => {
      const message = err instanceof Error ? err.message : String(err)
      this.#transfers.get(cid)?.swarm.events.emit('warning', `Something failed in the background: ${message}`)
      this.#revocation.failed(cid, message)
    })
  }

  async #resume(record: DropRecord): Promise<Transfer> {
    const role = record.secret === null ? 'pinning' : record.role === 'shared' ? 'sharing' : 'downloading'
    const secret = record.secret === null ? null : fromBase64Url(record.secret)
    return this.#start(record.cid, secret, role, await this.#storedManifest(record.cid))
  }

  async #storedManifest(cid: Cid): Promise<{ manifest: Manifest; bytes: Uint8Array } | undefined> {
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
    role: TransferSnapshot['role'],
    known?: { manifest: Manifest; bytes: Uint8Array },
    attempt?: { target: LinkTarget; resume: DropRecord | null },
  ): Promise<Transfer> {
    const { crypto, store, random, checkSpace } = this.#options
    const keys = secret ? await deriveKeys(crypto, secret) : null
    if (known) {
      try {
        await this.#check(cid, known.manifest, null)
      } catch (err) {
        return this.#refused(cid, role, err)
      }
    }
    const chunks = store.drop(digestOfCid(cid))
    const admit = async (manifest: Manifest) => {
      await this.#check(cid, manifest, attempt ? keys : null)
      if (attempt) await this.#admitted(attempt.target, manifest)
    }
    const swarm = new Swarm({ cid, store: chunks, crypto, random, limiter: this.limiter, admit })
    await swarm.start(known)
    const running = this.#transfers.get(cid)
    if (running) {
      swarm.close()
      return running
    }
    const transfer = new Transfer({ swarm, role, crypto, store: chunks, keys, checkSpace, now: this.#options.now })
    this.#transfers.set(cid, transfer)
    this.#secrets.set(transfer, secret && toBase64Url(secret))
    // Past its expiry a drop is deleted here, as on every honest peer; the page still says why.
    const removeIfExpired = () => {
      if (transfer.getSnapshot().errorKind === 'expired' && this.#transfers.get(cid) === transfer) this.#background(cid, this.remove(cid))
    }
    transfer.subscribe(removeIfExpired)
    removeIfExpired() // a stored manifest may have expired already, before this subscription
    transfer.onNamed((name, totalBytes) => this.#background(cid, this.#rename(cid, name, totalBytes)))
    swarm.events.on('complete', () => this.#options.signaling.announce(cid, true))
    swarm.events.on('tombstone', (secret) => this.#revocation.fromPeer(cid, secret))
    if (attempt) {
      swarm.events.on('refused', () => {
        if (this.#transfers.get(cid) !== transfer) return
        this.#stop(cid)
        if (attempt.resume) this.#background(cid, this.#resume(attempt.resume))
      })
    }
    this.#options.signaling.announce(cid, swarm.have?.complete ?? false)
    return transfer
  }

  async #rename(cid: Cid, name: string, totalBytes: number): Promise<void> {
    const record = await this.#options.library.get(cid)
    if (!record || record.name === name) return
    await this.#options.library.put({ ...record, name, totalBytes })
    this.events.emit('library', undefined)
  }

  #stop(cid: Cid): void {
    const transfer = this.#transfers.get(cid)
    if (!transfer) return
    this.#transfers.delete(cid)
    this.#links.stop(cid)
    // Closing the swarm signals relay-close to relayed peers; the server forwards it only while we are a member.
    transfer.stop()
    this.#options.signaling.leave(cid)
  }
}
