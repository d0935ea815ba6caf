/**
 * The engine: the one object the app talks to. It assembles the parts it is
 * given (chunk store, library, crypto, signaling, a way to dial peers) into
 * sharing, downloading and seeding, and owns the bookkeeping between them:
 * which transfers run, which peer connections are being negotiated, how many
 * connections each swarm and the page may have, falling back to the server
 * relay when a direct connection does not open, and the library of drops.
 *
 * Everything is injected, so the same engine runs in the browser (IndexedDB,
 * WebRTC, WebSocket) and in Node tests (memory stores, memory transports).
 */
import type { ChunkStore } from './storage/chunk-store.js'
import type { LibraryStore, DropRecord } from './library/library-store.js'
import type { CryptoProvider } from './crypto/provider.js'
import type { SignalingClient } from './signaling/client.js'
import type { Dial, DialFn } from './transport/transport.js'
import { RelayConnection } from './transport/relay.js'
import { type Cid, cidFromDigest, digestOfCid } from './content/cid.js'
import { type Manifest, decodeManifest } from './content/manifest.js'
import { type LinkTarget, formatFragment, formatOwnerFragment, formatPasswordFragment } from './content/link.js'
import { isValidTombstone, newRevokeSecret, revokeHashOf } from './content/tombstone.js'
import { newSalt, secretFromPassword } from './crypto/password.js'
import { deriveKeys } from './crypto/keys.js'
import { type IngestOptions, ingest } from './chunking/ingest.js'
import type { SourceFile } from './chunking/source.js'
import { Swarm } from './swarm/swarm.js'
import { UploadLimiter } from './swarm/rate.js'
import { Transfer, type SpaceCheck, type TransferSnapshot, mark } from './transfer.js'
import { bytesEqual, fromBase64Url, toBase64Url } from './util/bytes.js'
import { Emitter } from './util/emitter.js'

/** An owner's revoke() waiting: the server's confirmation stops the clock; the local deletion ends the wait. */
interface RevokeWaiter {
  promise: Promise<void>
  confirmed(): void
  resolve(): void
  reject(err: Error): void
}

/** How long "stop sharing everywhere" waits for the server's confirmation. */
const REVOKE_TIMEOUT_MS = 20_000
/** How long a revoked swarm stays connected (serving nothing) so its TOMBSTONE frames reach the peers. */
const TOMBSTONE_LINGER_MS = 500

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
  readonly #dials = new Map<string, Dial>()
  /** Relay connections by `${cid}|${peer}`, to route incoming relay frames. */
  readonly #relays = new Map<string, RelayConnection>()
  readonly #unsubscribe: (() => void)[] = []
  /** Owners waiting for the server to confirm their tombstone, by CID. */
  readonly #revokeWaiters = new Map<Cid, RevokeWaiter>()
  /** Tombstones being applied, by `${cid}|${secret}`. */
  readonly #revoking = new Map<string, Promise<void>>()
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
    this.#unsubscribe.push(
      signaling.events.on('peers', ({ cid, peers }) => this.#onPeers(cid as Cid, peers)),
      signaling.events.on('signal', ({ from, cid, data }) => this.#onSignal(from, cid as Cid, data)),
      signaling.events.on('relay', ({ from, cidDigest, frame }) => {
        this.#relays.get(`${cidFromDigest(cidDigest)}|${from}`)?.deliver(frame)
      }),
      signaling.events.on('revoked', ({ cid, secret }) => this.#background(cid as Cid, this.#onRevoked(cid as Cid, fromBase64Url(secret), 'server'))),
      signaling.events.on('error', ({ ref, peer, message }) => {
        if (ref === 'revoke') {
          for (const waiter of this.#revokeWaiters.values()) waiter.reject(new Error(`The server refused to stop sharing: ${message}`))
          this.#revokeWaiters.clear()
        }
        if (ref !== 'relay' || !peer) return
        for (const [key, relay] of this.#relays) if (key.endsWith(`|${peer}`)) relay.shut(`relay: ${message}`)
      }),
      signaling.events.on('status', (status) => {
        // Relay connections ride on the server link: they end with it (direct ones go on).
        if (status !== 'open') for (const relay of [...this.#relays.values()]) relay.shut('lost the connection to the server')
      }),
    )
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

  /** Starts (or returns) the download of a link target. Pieces already stored are not fetched again. */
  async open(target: LinkTarget): Promise<Transfer> {
    const existing = this.#transfers.get(target.cid)
    if (existing) return existing
    const record = await this.#options.library.get(target.cid)
    await this.#remember(target.cid, 'downloaded', {
      secret: toBase64Url(target.secret),
      revokeSecret: target.revokeSecret ? toBase64Url(target.revokeSecret) : record?.revokeSecret,
    })
    return this.#start(target.cid, target.secret, record?.role === 'shared' ? 'sharing' : 'downloading', await this.#storedManifest(target.cid))
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
  async revoke(cid: Cid): Promise<void> {
    const record = await this.#options.library.get(cid)
    if (!record?.revokeSecret) throw new Error('Only the owner of this drop (or an owner link) can stop sharing it everywhere.')
    const stored = await this.#storedManifest(cid)
    if (!stored) throw new Error('This browser does not hold the drop’s manifest yet: wait until the download has started.')
    const { signaling } = this.#options
    if (signaling.status !== 'open') throw new Error('Not connected to the server: try again once the connection is back.')
    const pending = this.#revokeWaiters.get(cid)
    if (pending) return pending.promise // asked twice: one tombstone, one answer
    let timer: ReturnType<typeof setTimeout> | undefined
    const waiter = {} as RevokeWaiter
    waiter.promise = new Promise<void>((resolve, reject) => {
      const end = () => {
        clearTimeout(timer)
        if (this.#revokeWaiters.get(cid) === waiter) this.#revokeWaiters.delete(cid)
      }
      waiter.resolve = () => (end(), resolve())
      waiter.reject = (err) => (end(), reject(err))
      waiter.confirmed = () => clearTimeout(timer)
      timer = setTimeout(() => waiter.reject(new Error('The server did not confirm in time: try again.')), REVOKE_TIMEOUT_MS)
    })
    this.#revokeWaiters.set(cid, waiter)
    signaling.revoke(cid, record.revokeSecret, stored.bytes)
    return waiter.promise
  }

  /** Stops a drop and deletes its pieces, manifest and library record from this browser. */
  async remove(cid: Cid): Promise<void> {
    this.#stop(cid)
    const { store, library } = this.#options
    const stored = await this.#storedManifest(cid)
    if (stored) for (const id of stored.manifest.pieceIds) await store.delete(id)
    await store.delete(digestOfCid(cid))
    await library.delete(cid)
    this.events.emit('library', undefined)
  }

  close(): void {
    clearInterval(this.#lookupTimer)
    for (const cid of [...this.#transfers.keys()]) this.#stop(cid)
    this.#unsubscribe.forEach((u) => u())
    this.events.removeAllListeners()
  }

  /**
   * The server or a peer says a drop was revoked. Checked against our own
   * manifest: a forged tombstone changes nothing. A checked one is passed on
   * to our peers (who may not have heard it from a server) before the drop is
   * deleted. Without a manifest (a download that has not started) only the
   * server is believed: nothing of the drop is here to protect, and the server
   * introduces no peers for it anyway.
   */
  async #onRevoked(cid: Cid, secret: Uint8Array, source: 'server' | 'peer'): Promise<void> {
    if (source === 'server') this.#revokeWaiters.get(cid)?.confirmed()
    // A second copy of the same tombstone (from the server and a peer) waits for the first.
    const key = `${cid}|${toBase64Url(secret)}`
    let applying = this.#revoking.get(key)
    if (!applying) {
      applying = this.#applyTombstone(cid, secret, source).finally(() => this.#revoking.delete(key))
      this.#revoking.set(key, applying)
    }
    await applying
    if (source === 'server') this.#revokeWaiters.get(cid)?.resolve()
  }

  /** Work started by an event: a failure is shown on the drop's transfer (and cannot become an unhandled rejection). */
  #background(cid: Cid, work: Promise<unknown>): void {
    work.catch((err) => {
      const message = err instanceof Error ? err.message : String(err)
      this.#transfers.get(cid)?.swarm.events.emit('warning', `Something failed in the background: ${message}`)
      this.#revokeWaiters.get(cid)?.reject(new Error(`Deleting the drop here failed: ${message}`))
    })
  }

  async #applyTombstone(cid: Cid, secret: Uint8Array, source: 'server' | 'peer'): Promise<void> {
    const transfer = this.#transfers.get(cid)
    if (!transfer && !(await this.#options.library.get(cid))) return
    const manifest = (await this.#storedManifest(cid))?.manifest ?? transfer?.swarm.manifest
    if (!manifest && source === 'peer') return // cannot be checked yet: the server's word decides
    if (manifest && !(await isValidTombstone(this.#options.crypto, manifest, secret))) {
      transfer?.swarm.events.emit('warning', `ignored a tombstone from a ${source} that does not match this drop`)
      return
    }
    transfer?.markRevoked()
    if (manifest && transfer) {
      transfer.swarm.sendTombstone(secret)
      await new Promise((resolve) => setTimeout(resolve, TOMBSTONE_LINGER_MS)) // let the frames leave before the links close
    }
    await this.remove(cid)
  }

  async #resume(record: DropRecord): Promise<Transfer> {
    const role = record.secret === null ? 'pinning' : record.role === 'shared' ? 'sharing' : 'downloading'
    const secret = record.secret === null ? null : fromBase64Url(record.secret)
    return this.#start(record.cid, secret, role, await this.#storedManifest(record.cid))
  }

  async #storedManifest(cid: Cid): Promise<{ manifest: Manifest; bytes: Uint8Array } | undefined> {
    const digest = digestOfCid(cid)
    const bytes = await this.#options.store.get(digest)
    if (!bytes || !bytesEqual(await this.#options.crypto.sha256(bytes), digest)) return undefined
    return { manifest: decodeManifest(bytes), bytes }
  }

  async #start(cid: Cid, secret: Uint8Array | null, role: TransferSnapshot['role'], known?: { manifest: Manifest; bytes: Uint8Array }) {
    const { crypto, store, random, checkSpace } = this.#options
    const keys = secret ? await deriveKeys(crypto, secret) : null
    const swarm = new Swarm({ cid, store, crypto, random, limiter: this.limiter })
    await swarm.start(known)
    const running = this.#transfers.get(cid)
    if (running) {
      swarm.close()
      return running
    }
    const transfer = new Transfer({ swarm, role, crypto, store, keys, checkSpace, now: this.#options.now })
    this.#transfers.set(cid, transfer)
    // Past its expiry a drop is deleted here, as on every honest peer; the page still says why.
    const removeIfExpired = () => {
      if (transfer.getSnapshot().errorKind === 'expired' && this.#transfers.get(cid) === transfer) this.#background(cid, this.remove(cid))
    }
    transfer.subscribe(removeIfExpired)
    removeIfExpired() // a stored manifest may have expired already, before this subscription
    transfer.onNamed((name, totalBytes) => this.#background(cid, this.#rename(cid, name, totalBytes)))
    swarm.events.on('complete', () => this.#options.signaling.announce(cid, true))
    swarm.events.on('tombstone', (secret) => this.#background(cid, this.#onRevoked(cid, secret, 'peer')))
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
    this.#options.signaling.leave(cid)
    for (const [key, dial] of this.#dials) if (key.startsWith(`${cid}|`)) dial.abort('transfer stopped')
    transfer.stop()
  }

  // --- connections --------------------------------------------------------

  #connectionCount(): number {
    let n = this.#dials.size
    for (const t of this.#transfers.values()) n += t.swarm.peerCount
    return n
  }

  /** Whether one more connection may be opened for this transfer, freeing an idle one if needed. */
  #hasRoom(transfer: Transfer): boolean {
    let dialing = 0
    for (const key of this.#dials.keys()) if (key.startsWith(`${transfer.cid}|`)) dialing++
    const inSwarm = transfer.swarm.peerCount + dialing
    if (inSwarm >= this.#options.maxPeersPerSwarm && !transfer.swarm.makeRoom()) return false
    if (this.#connectionCount() >= this.#options.maxConnections && !transfer.swarm.makeRoom()) return false
    return true
  }

  #onPeers(cid: Cid, peers: string[]): void {
    const transfer = this.#transfers.get(cid)
    if (!transfer) return
    // The server lists the most useful peers first.
    for (const peer of peers) {
      if (peer === this.#options.signaling.peerId) continue
      if (transfer.swarm.hasPeer(peer) || transfer.swarm.refuses(peer) || this.#dials.has(`${cid}|${peer}`)) continue
      if (!this.#hasRoom(transfer)) return
      this.#startDial(transfer, peer, true)
    }
  }

  #onSignal(from: string, cid: Cid, data: Record<string, unknown>): void {
    const transfer = this.#transfers.get(cid)
    if (data.type === 'relay-close') return this.#relays.get(`${cid}|${from}`)?.shut('the peer closed the relay')
    if (!transfer) return
    if (data.type === 'relay') {
      if (this.#dials.has(`${cid}|${from}`) || this.#hasRoom(transfer)) this.#openRelay(transfer, from, false)
      else this.#options.signaling.signal(from, cid, { type: 'relay-close' })
      return
    }
    let dial = this.#dials.get(`${cid}|${from}`)
    if (!dial) {
      // Only an offer may start a connection; a stray answer or candidate is dropped.
      if (data.type !== 'offer' || !this.#hasRoom(transfer)) return
      dial = this.#startDial(transfer, from, false)
    }
    dial.signal(data)
  }

  /**
   * Negotiates a direct connection. The initiator falls back to the relay if it
   * has not opened after the server's `relay.afterMs`, or fails sooner; the
   * direct attempt goes on, and if it opens later it replaces the relay.
   */
  #startDial(transfer: Transfer, remotePeer: string, initiator: boolean): Dial {
    const key = `${transfer.cid}|${remotePeer}`
    const { signaling } = this.#options
    const active = () => this.#transfers.get(transfer.cid) === transfer
    const dial = this.#options.dial({
      remotePeer,
      initiator,
      iceServers: signaling.iceServers as RTCIceServer[],
      iceTransportPolicy: signaling.iceTransportPolicy,
      sendSignal: (data) => signaling.signal(remotePeer, transfer.cid, data),
      connectTimeoutMs: this.#options.connectTimeoutMs,
    })
    this.#dials.set(key, dial)
    const relay = signaling.relayPolicy
    const fallBack = () => {
      if (initiator && relay.enabled && active() && !this.#relays.has(key) && !transfer.swarm.hasPeer(remotePeer)) {
        this.#openRelay(transfer, remotePeer, true)
      }
    }
    const timer = setTimeout(fallBack, relay.afterMs)
    dial.connected.then(
      (connection) => {
        clearTimeout(timer)
        this.#dials.delete(key)
        if (active()) transfer.swarm.addConnection(connection) // replaces a relay to the same peer: the upgrade
        else connection.close('transfer stopped')
      },
      () => {
        clearTimeout(timer)
        this.#dials.delete(key)
        fallBack()
      },
    )
    return dial
  }

  #openRelay(transfer: Transfer, remotePeer: string, initiator: boolean): void {
    const key = `${transfer.cid}|${remotePeer}`
    const { signaling } = this.#options
    this.#relays.get(key)?.shut('replaced by a newer relay')
    const relay = new RelayConnection(remotePeer, digestOfCid(transfer.cid), signaling, () =>
      signaling.signal(remotePeer, transfer.cid, { type: 'relay-close' }),
    )
    this.#relays.set(key, relay)
    relay.events.on('close', () => {
      if (this.#relays.get(key) === relay) this.#relays.delete(key)
    })
    // The signal goes out before our first relayed frame (HELLO), over the same socket, so it arrives first.
    if (initiator) signaling.signal(remotePeer, transfer.cid, { type: 'relay' })
    transfer.swarm.addConnection(relay)
  }
}
