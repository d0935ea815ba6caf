/**
 * A blind mirror (format/mirror-layout.ts) as one more peer of the swarm: a
 * Connection whose far end answers the peer wire from plain HTTP GETs, one
 * per sealed piece, several in flight. The swarm treats it like any peer —
 * it verifies every piece against its id, so a mirror that serves a wrong
 * byte strikes out and is dropped as a liar, and a piece the mirror lacks is
 * asked of others — so nothing here needs to trust what the host sends. It
 * only bounds it: no body is read past the length the manifest gives.
 *
 * The mirror says HELLO (holding every piece) once it has served a manifest
 * that hashes to the CID; a mirror that cannot be reached, is blocked by
 * CORS or CSP, or serves another drop's manifest closes with a reason a
 * user can act on.
 */
import type { Cid } from '../../../format/cid.js'
import { digestOfCid } from '../../../format/cid.js'
import { bytesEqual } from '../../../format/bytes.js'
import { type Manifest, decodeManifest, sealedPieceLength } from '../../../format/manifest.js'
import { MAX_MANIFEST_BYTES } from '../../../format/limits.js'
import { mirrorManifestPath, mirrorPiecePath } from '../../../format/mirror-layout.js'
import type { Sha256Provider } from '../../../format/cid.js'
import { ConnectionEventSource } from '../transport/connection-events.js'
import type { Connection } from '../transport/transport.js'
import { type Frame, decodeFrame, encodeFrame } from '../wire/codec.js'
import { MANIFEST_PART_BYTES } from '../wire/constants.js'
import { Bitfield } from '../swarm/bitfield.js'
import { type PieceFrames, readPieceFrames } from './piece-frames.js'

export type Fetch = (url: string, init: { signal: AbortSignal; credentials: 'omit' }) => Promise<Response>

export interface MirrorOptions {
  /** The mirror's base URL, ending in `/` (parseMirrorBase). */
  readonly base: string
  readonly cid: Cid
  readonly crypto: Sha256Provider
  readonly fetch?: Fetch
  /**
   * Says, once the mirror's manifest hashed to the CID and before the mirror
   * says HELLO, why it may not serve (null: it may): how a mirror named by a
   * published list waits for the list to check out against that manifest.
   */
  readonly admit?: (manifest: Manifest) => Promise<string | null>
}

/** Failed piece fetches (not 404s) after which the mirror is given up. */
const MAX_FAILURES = 3

/** The peer id a mirror has in the swarm: its base URL, so two links naming it share it (and its liar record). */
export function mirrorPeerId(base: string): string {
  return `mirror:${base}`
}

interface PieceFetch {
  readonly frames: Promise<PieceFrames | null>
  readonly abort: AbortController
  /** Requests for this piece not answered yet. */
  waiting: number
}

export class MirrorConnection implements Connection {
  readonly kind = 'mirror' as const
  readonly remotePeer: string
  readonly #source = new ConnectionEventSource()
  readonly events = this.#source.events
  closed = false
  readonly #options: MirrorOptions
  readonly #fetch: Fetch
  readonly #stop = new AbortController()
  readonly #pieces = new Map<number, PieceFetch>()
  #manifest: { manifest: Manifest; bytes: Uint8Array } | null = null
  #failures = 0

  constructor(options: MirrorOptions) {
    this.#options = options
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init))
    this.remotePeer = mirrorPeerId(options.base)
    void this.#open()
  }

  /** The host, as the page names the mirror. */
  get host(): string {
    return new URL(this.#options.base).host
  }

  send(frame: Uint8Array): boolean {
    if (this.closed) throw new Error('connection is closed')
    let f: Frame
    try {
      f = decodeFrame(frame)
    } catch {
      return true // our own wire sent it: nothing to answer
    }
    if (f.kind === 'manifest-request') this.#answerManifest(f.offset)
    else if (f.kind === 'request') void this.#serve(f)
    else if (f.kind === 'cancel') this.#cancel(f.piece)
    else if (f.kind === 'close') this.#shut(f.reason, false)
    return true
  }

  close(reason: string): void {
    this.#shut(reason, true)
  }

  async #open(): Promise<void> {
    const { cid, crypto } = this.#options
    // One byte past the limit tells a manifest that is too long: it cannot hash to the CID.
    const got = await this.#get(mirrorManifestPath(cid), MAX_MANIFEST_BYTES, (response) => readAtMost(response, MAX_MANIFEST_BYTES + 1))
    if (this.closed) return
    if (got.kind === 'missing') return this.#shut(`does not hold this drop (HTTP ${got.status})`, false)
    if (got.kind === 'failed') return this.#shut(got.why, false)
    const bytes = got.bytes
    if (bytes === 'long' || !bytesEqual(await crypto.sha256(bytes), digestOfCid(cid))) {
      return this.#shut("serves a manifest that is not this drop's", false)
    }
    let manifest: Manifest
    try {
      manifest = decodeManifest(bytes)
    } catch (err) {
      return this.#shut(`serves a malformed manifest (${err instanceof Error ? err.message : err})`, false)
    }
    const refusal = (await this.#options.admit?.(manifest)) ?? null
    if (refusal) return this.#shut(refusal, false)
    if (this.closed) return
    this.#manifest = { manifest, bytes }
    const count = manifest.pieceIds.length
    this.#reply({
      kind: 'hello',
      cidDigest: digestOfCid(cid),
      hasManifest: true,
      pieceCount: count,
      bitfield: new Bitfield(count, undefined, true).bytes,
    })
  }

  #answerManifest(offset: number): void {
    const bytes = this.#manifest?.bytes
    if (!bytes || offset >= bytes.length) return
    this.#reply({ kind: 'manifest-part', total: bytes.length, offset, data: bytes.subarray(offset, offset + MANIFEST_PART_BYTES) })
  }

  async #serve(req: { piece: number; offset: number; length: number }): Promise<void> {
    const held = this.#manifest
    if (!held || req.piece >= held.manifest.pieceIds.length) return this.#reply({ kind: 'reject', ...req })
    const length = sealedPieceLength(held.manifest, req.piece)
    if (req.offset + req.length > length) return this.#reply({ kind: 'reject', ...req })
    const fetching = this.#fetchPiece(req.piece, held.manifest, length)
    fetching.waiting++
    const piece = await fetching.frames
    fetching.waiting--
    if (fetching.waiting === 0 && this.#pieces.get(req.piece) === fetching) this.#pieces.delete(req.piece)
    if (this.closed || fetching.abort.signal.aborted) return
    // Our own wire asks for runs of whole blocks; anything else is refused rather than cut.
    const frames = piece?.frames(req.offset, req.length)
    if (!frames) return this.#reply({ kind: 'reject', ...req })
    for (const frame of frames) this.#deliver(frame)
  }

  #fetchPiece(index: number, manifest: Manifest, length: number): PieceFetch {
    const running = this.#pieces.get(index)
    if (running) return running
    const abort = new AbortController()
    const path = mirrorPiecePath(this.#options.cid, manifest.pieceIds[index])
    const read = (response: Response) => readPieceFrames(response.body, index, length)
    const frames = this.#get(path, length, read, abort.signal).then((got) => {
      if (got.kind === 'bytes' && typeof got.bytes !== 'string') return got.bytes
      if (got.kind === 'failed' && !abort.signal.aborted && ++this.#failures >= MAX_FAILURES) this.#shut(got.why, false)
      // A short or long body is a wrong piece: the swarm would strike it; a mirror that does that is not asked again.
      if (got.kind === 'bytes') this.#shut(`served piece ${index} with the wrong length`, false)
      return null
    })
    const fetching = { frames, abort, waiting: 0 }
    this.#pieces.set(index, fetching)
    return fetching
  }

  #cancel(index: number): void {
    const fetching = this.#pieces.get(index)
    if (!fetching) return
    this.#pieces.delete(index)
    fetching.abort.abort()
  }

  /**
   * One GET, its body read by `read`; a body that says it is longer than
   * `limit` is not read at all: 'long'.
   */
  async #get<T>(
    path: string,
    limit: number,
    read: (response: Response) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<{ kind: 'bytes'; bytes: T | 'long' } | { kind: 'missing'; status: number } | { kind: 'failed'; why: string }> {
    const url = this.#options.base + path
    const signals = signal ? AbortSignal.any([signal, this.#stop.signal]) : this.#stop.signal
    try {
      const response = await this.#fetch(url, { signal: signals, credentials: 'omit' })
      if (response.status === 404 || response.status === 410) return { kind: 'missing', status: response.status }
      if (!response.ok) return { kind: 'failed', why: `answered HTTP ${response.status}` }
      const declared = Number(response.headers.get('Content-Length'))
      if (response.headers.has('Content-Length') && Number.isFinite(declared) && declared > limit) {
        await response.body?.cancel()
        return { kind: 'bytes', bytes: 'long' }
      }
      return { kind: 'bytes', bytes: await read(response) }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      return { kind: 'failed', why: `cannot be reached, or this page may not fetch from it (CORS or CSP): ${why}` }
    }
  }

  #reply(frame: Frame): void {
    this.#deliver(encodeFrame(frame))
  }

  #deliver(bytes: Uint8Array): void {
    // Delivered on a later task, as a real channel would: the swarm never sees an answer inside its own send().
    queueMicrotask(() => !this.closed && this.#source.message(bytes))
  }

  #shut(reason: string, local: boolean): void {
    if (this.closed) return
    this.closed = true
    this.#stop.abort()
    this.#pieces.clear()
    this.#source.close(reason, local)
  }
}

/** A response body of at most `limit` bytes, read as it streams (a hostile host may send more). */
async function readAtMost(response: Response, limit: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer()).subarray(0, limit)
  const reader = response.body.getReader()
  const parts: Uint8Array[] = []
  let length = 0
  while (length < limit) {
    const { done, value } = await reader.read()
    if (done) break
    parts.push(value)
    length += value.length
  }
  if (length >= limit) await reader.cancel()
  const out = new Uint8Array(Math.min(length, limit))
  let at = 0
  for (const part of parts) {
    const take = Math.min(part.length, out.length - at)
    out.set(part.subarray(0, take), at)
    at += take
  }
  return out
}
