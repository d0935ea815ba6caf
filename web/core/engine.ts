/**
 * The engine: the one object the app talks to. It assembles the parts it is
 * given (store, crypto, signaling, a way to dial peers) into sharing and
 * downloading, and owns the bookkeeping between them: which swarms exist,
 * which peer connections are being negotiated, and routing signals.
 *
 * Everything is injected, so the same engine runs in the browser (IndexedDB,
 * WebRTC, WebSocket) and in Node tests (memory store, memory transports, an
 * in-process signaling hub).
 */
import type { ChunkStore } from './storage/chunk-store.js'
import type { CryptoProvider } from './crypto/provider.js'
import type { SignalingClient } from './signaling/client.js'
import type { Dial, DialFn } from './transport/transport.js'
import { type Cid, digestOfCid } from './content/cid.js'
import { decodeManifest } from './content/manifest.js'
import { bytesEqual } from './util/bytes.js'
import { type LinkTarget, formatFragment } from './content/link.js'
import { deriveKeys } from './crypto/keys.js'
import { type IngestOptions, ingest } from './chunking/ingest.js'
import type { SourceFile } from './chunking/source.js'
import { Swarm } from './swarm/swarm.js'
import { Transfer } from './transfer.js'

export interface EngineOptions {
  store: ChunkStore
  crypto: CryptoProvider
  signaling: SignalingClient
  dial: DialFn
  connectTimeoutMs?: number
  /** How often a swarm short of peers asks the server for more. */
  lookupIntervalMs?: number
  random?: () => number
}

/** Swarms with fewer connected peers than this keep looking for more. */
const WANTED_PEERS = 8

export class Engine {
  readonly #options: Required<EngineOptions>
  readonly #transfers = new Map<Cid, Transfer>()
  readonly #dials = new Map<string, Dial>()
  readonly #unsubscribe: (() => void)[] = []
  readonly #lookupTimer: ReturnType<typeof setInterval>

  constructor(options: EngineOptions) {
    this.#options = { connectTimeoutMs: 15_000, lookupIntervalMs: 5_000, random: Math.random, ...options }
    const { signaling } = options
    this.#unsubscribe.push(
      signaling.events.on('peers', ({ cid, peers }) => this.#onPeers(cid as Cid, peers)),
      signaling.events.on('signal', ({ from, cid, data }) => this.#onSignal(from, cid as Cid, data)),
    )
    this.#lookupTimer = setInterval(() => {
      for (const t of this.#transfers.values()) if (t.swarm.peerCount < WANTED_PEERS) signaling.lookup(t.cid)
    }, this.#options.lookupIntervalMs)
  }

  get signaling(): SignalingClient {
    return this.#options.signaling
  }

  transfer(cid: Cid): Transfer | undefined {
    return this.#transfers.get(cid)
  }

  /** Cuts, encrypts, hashes and stores the files, then seeds them. Returns the link fragment. */
  async share(
    files: readonly SourceFile[],
    options: Pick<IngestOptions, 'onProgress' | 'signal' | 'pieceSize' | 'secret'> = {},
  ): Promise<{ transfer: Transfer; fragment: string }> {
    const { crypto, store } = this.#options
    const result = await ingest(files, { crypto, store, ...options })
    const keys = await deriveKeys(crypto, result.secret)
    let transfer = this.#transfers.get(result.cid)
    if (!transfer) {
      const swarm = new Swarm({ cid: result.cid, store, crypto, random: this.#options.random })
      await swarm.start({ manifest: result.manifest, bytes: result.manifestBytes })
      transfer = new Transfer({ swarm, role: 'sharing', crypto, store, keys })
      this.#join(transfer)
    }
    return { transfer, fragment: formatFragment({ cid: result.cid, secret: result.secret }) }
  }

  /** Starts (or returns) the download of a link target. Pieces already stored are not fetched again. */
  async open(target: LinkTarget): Promise<Transfer> {
    const existing = this.#transfers.get(target.cid)
    if (existing) return existing
    const { crypto, store } = this.#options
    const keys = await deriveKeys(crypto, target.secret)
    const swarm = new Swarm({ cid: target.cid, store, crypto, random: this.#options.random })
    // Resume: a manifest stored by an earlier visit makes the stored pieces count at once.
    const digest = digestOfCid(target.cid)
    const storedManifest = await store.get(digest)
    if (storedManifest && bytesEqual(await crypto.sha256(storedManifest), digest)) {
      await swarm.start({ manifest: decodeManifest(storedManifest), bytes: storedManifest })
    }
    const transfer = new Transfer({ swarm, role: 'downloading', crypto, store, keys })
    this.#join(transfer)
    return transfer
  }

  /** Stops one transfer: leaves the swarm and closes its peer connections. Stored pieces stay. */
  stop(cid: Cid): void {
    const transfer = this.#transfers.get(cid)
    if (!transfer) return
    this.#transfers.delete(cid)
    this.#options.signaling.leave(cid)
    for (const [key, dial] of this.#dials) if (key.startsWith(`${cid}|`)) dial.abort('transfer stopped')
    transfer.stop()
  }

  close(): void {
    clearInterval(this.#lookupTimer)
    for (const cid of [...this.#transfers.keys()]) this.stop(cid)
    this.#unsubscribe.forEach((u) => u())
  }

  #join(transfer: Transfer): void {
    this.#transfers.set(transfer.cid, transfer)
    this.#options.signaling.announce(transfer.cid)
  }

  #onPeers(cid: Cid, peers: string[]): void {
    const transfer = this.#transfers.get(cid)
    if (!transfer) return
    for (const peer of peers) {
      if (peer === this.#options.signaling.peerId) continue
      if (transfer.swarm.hasPeer(peer) || this.#dials.has(`${cid}|${peer}`)) continue
      this.#startDial(transfer, peer, true)
    }
  }

  #onSignal(from: string, cid: Cid, data: Record<string, unknown>): void {
    const transfer = this.#transfers.get(cid)
    if (!transfer) return
    let dial = this.#dials.get(`${cid}|${from}`)
    if (!dial) {
      // Only an offer may start a connection; a stray answer or candidate is dropped.
      if (data.type !== 'offer') return
      dial = this.#startDial(transfer, from, false)
    }
    dial.signal(data)
  }

  #startDial(transfer: Transfer, remotePeer: string, initiator: boolean): Dial {
    const key = `${transfer.cid}|${remotePeer}`
    const { signaling } = this.#options
    const dial = this.#options.dial({
      remotePeer,
      initiator,
      iceServers: signaling.iceServers as RTCIceServer[],
      sendSignal: (data) => signaling.signal(remotePeer, transfer.cid, data),
      connectTimeoutMs: this.#options.connectTimeoutMs,
    })
    this.#dials.set(key, dial)
    dial.connected.then(
      (connection) => {
        this.#dials.delete(key)
        if (this.#transfers.get(transfer.cid) === transfer) transfer.swarm.addConnection(connection)
        else connection.close('transfer stopped')
      },
      () => this.#dials.delete(key),
    )
    return dial
  }
}
