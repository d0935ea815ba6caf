/**
 * Serving: each peer's queued requests are answered in order, as fast as its
 * channel drains (send() returning false pauses that peer until 'drain') and
 * the page's upload limit allows. Sealed pieces are read through a small
 * cache, because a peer asks for every block of a piece in a row.
 */
import type { DropChunks } from '../storage/chunk-store.js'
import type { Manifest } from '../../../format/manifest.js'
import type { BlockRequest, PeerSession } from './peer.js'
import type { UploadLimiter } from './rate.js'
import { UPLOAD_CACHE_PIECES } from './constants.js'
import { REQUEST_BLOCK_BYTES } from '../wire/constants.js'

export interface UploadHost {
  readonly store: DropChunks
  readonly limiter: UploadLimiter
  manifest(): Manifest
  /** `bytes` of piece data went to `peer`. */
  sent(peer: PeerSession, bytes: number): void
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class Uploader {
  #cache = new Map<number, Promise<Uint8Array | undefined>>()

  constructor(private readonly host: UploadHost) {}

  /** Queues a request, split into the blocks it is answered with. */
  enqueue(peer: PeerSession, req: BlockRequest): void {
    for (let offset = req.offset; offset < req.offset + req.length; offset += REQUEST_BLOCK_BYTES) {
      const length = Math.min(REQUEST_BLOCK_BYTES, req.offset + req.length - offset)
      peer.uploadQueue.push({ piece: req.piece, offset, length })
    }
    void this.pump(peer)
  }

  cancel(peer: PeerSession, req: BlockRequest): void {
    const at = peer.uploadQueue.findIndex((r) => r.piece === req.piece && r.offset === req.offset)
    if (at >= 0) peer.uploadQueue.splice(at, 1)
  }

  clear(): void {
    this.#cache.clear()
  }

  async pump(peer: PeerSession): Promise<void> {
    if (peer.uploading) return
    peer.uploading = true
    try {
      while (peer.open && peer.writable && peer.uploadQueue.length > 0) {
        const req = peer.uploadQueue.shift()!
        const sealed = await this.#read(req.piece)
        if (!peer.open) return
        if (!sealed) {
          peer.send({ kind: 'reject', ...req })
          continue
        }
        if (req.offset + req.length > sealed.length) {
          peer.fail(`requested bytes past the end of piece ${req.piece}`)
          return
        }
        const wait = this.host.limiter.delayFor(req.length)
        if (wait > 0) await sleep(wait)
        if (!peer.open) return
        const data = sealed.subarray(req.offset, req.offset + req.length)
        peer.send({ kind: 'block', piece: req.piece, offset: req.offset, data })
        this.host.sent(peer, data.length)
      }
    } finally {
      peer.uploading = false
    }
  }

  #read(index: number): Promise<Uint8Array | undefined> {
    let entry = this.#cache.get(index)
    if (entry) {
      this.#cache.delete(index) // re-inserted below: most recently used last
    } else {
      entry = this.host.store.get(this.host.manifest().pieceIds[index])
      if (this.#cache.size >= UPLOAD_CACHE_PIECES) this.#cache.delete(this.#cache.keys().next().value!)
    }
    this.#cache.set(index, entry)
    return entry
  }
}
