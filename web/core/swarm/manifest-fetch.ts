/**
 * The manifest exchange: serving ours in parts, and fetching the manifest of
 * a swarm that has only its CID, from one peer at a time, in parts, in
 * order. The whole is trusted only when its SHA-256 is the
 * CID; a peer that sends anything else is dropped and the next one asked. A
 * manifest that hashes right but does not decode, or that the swarm's
 * `admit` check refuses, ends the fetching: no peer can send a better one.
 */
import type { CryptoProvider } from '../crypto/provider.js'
import { type Manifest, decodeManifest } from '../../../format/manifest.js'
import type { ManifestPart } from '../wire/wire.js'
import { bytesEqual } from '../../../format/bytes.js'
import { InvalidManifestError } from '../../../format/errors.js'
import type { Peer } from './peer.js'
import { MANIFEST_TIMEOUT_MS } from './constants.js'
import { MANIFEST_PART_BYTES } from '../wire/constants.js'

export interface ManifestFetchHost {
  readonly cidDigest: Uint8Array
  readonly crypto: CryptoProvider
  readonly now: () => number
  admit(manifest: Manifest): Promise<void>
  peers(): Iterable<Peer>
  /** Whether the swarm still wants it (not closed, no manifest yet). */
  wanted(): boolean
  /** A verified, admitted manifest. */
  fetched(manifest: Manifest, bytes: Uint8Array): Promise<void>
  refused(error: unknown): void
  warn(message: string): void
}

interface Fetching {
  peer: Peer
  buffer: Uint8Array | null
  next: number
  startedAt: number
}

export class ManifestFetch {
  #fetching: Fetching | null = null
  /** The manifest named by the CID is unusable: nothing more to fetch. */
  #done = false

  constructor(private readonly host: ManifestFetchHost) {}

  /** Asks a peer that has the manifest, unless one is already being asked. */
  start(): void {
    if (this.#done || this.#fetching || !this.host.wanted()) return
    const source = [...this.host.peers()].find((p) => p.hasManifest && !p.wire.closed)
    if (!source) return
    this.#fetching = { peer: source, buffer: null, next: 0, startedAt: this.host.now() }
    source.wire.manifestRequest(0)
  }

  async onPart(peer: Peer, frame: ManifestPart): Promise<void> {
    const fetching = this.#fetching
    if (!fetching || fetching.peer !== peer) return // late or unasked: ignore
    if (frame.offset !== fetching.next) return this.#failed(peer, 'sent manifest bytes out of order')
    if (!fetching.buffer) fetching.buffer = new Uint8Array(frame.total)
    else if (fetching.buffer.length !== frame.total) return this.#failed(peer, 'changed the manifest length')
    fetching.buffer.set(frame.data, frame.offset)
    fetching.next += frame.data.length
    if (fetching.next < frame.total) return void peer.wire.manifestRequest(fetching.next)
    const bytes = fetching.buffer
    const digest = await this.host.crypto.sha256(bytes)
    if (!this.host.wanted()) return
    if (!bytesEqual(digest, this.host.cidDigest)) return this.#failed(peer, 'sent a manifest that does not match the link')
    this.#fetching = null
    this.#done = true
    let manifest: Manifest
    try {
      manifest = decodeManifest(bytes)
    } catch (err) {
      // The hash matched, so the link itself names a malformed manifest: no peer can do better.
      const reason = err instanceof InvalidManifestError ? err.message : String(err)
      this.host.warn(`The content this link names is not a valid Swarmdrop manifest (${reason}).`)
      return
    }
    try {
      await this.host.admit(manifest)
    } catch (err) {
      if (this.host.wanted()) this.host.refused(err)
      return
    }
    if (this.host.wanted()) await this.host.fetched(manifest, bytes)
  }

  /** A peer asks for the manifest from `offset`: one part of `bytes`, ours (null when we lack it). */
  serve(peer: Peer, offset: number, bytes: Uint8Array | null): void {
    if (!bytes) return void peer.wire.fail('asked for a manifest we never announced')
    if (offset >= bytes.length) return void peer.wire.fail('asked for manifest bytes past its end')
    peer.wire.manifestPart({ total: bytes.length, offset, data: bytes.subarray(offset, offset + MANIFEST_PART_BYTES) })
  }

  /** The peer being asked went away: ask another. */
  peerLeft(peer: Peer): void {
    if (this.#fetching?.peer !== peer) return
    this.#fetching = null
    this.start()
  }

  checkTimeout(now: number): void {
    const fetching = this.#fetching
    if (fetching && now - fetching.startedAt > MANIFEST_TIMEOUT_MS) this.#failed(fetching.peer, 'did not send the manifest in time')
  }

  #failed(peer: Peer, reason: string): void {
    this.#fetching = null
    this.host.warn(`Dropped a peer that ${reason}.`)
    peer.wire.fail(reason)
    this.start()
  }
}
