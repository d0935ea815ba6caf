/**
 * Serving: each peer's requests are checked against what we hold, queued per
 * wire, and answered in order, as fast as that wire drains (a send returning
 * false pauses it until 'drain') and the page's upload limit allows. Sealed
 * pieces are read through a small cache, because a peer asks for every block
 * of a piece in a row.
 */
import type { DropChunks } from '../storage/chunk-store.js'
import { type Manifest, sealedPieceLength } from '../../../format/manifest.js'
import type { BlockRequest, Wire } from '../wire/wire.js'
import type { Clock } from '../util/clock.js'
import type { UploadLimiter } from './rate.js'
import type { PieceSet } from './bitfield.js'
import { MAX_UPLOAD_QUEUE, UPLOAD_CACHE_PIECES } from './constants.js'
import { REQUEST_BLOCK_BYTES } from '../wire/constants.js'

export interface UploaderOptions {
  readonly store: DropChunks
  readonly limiter: UploadLimiter
  readonly clock: Clock
  /** What we hold, once we have a manifest. */
  holding(): { manifest: Manifest; have: PieceSet } | null
}

interface Queue {
  blocks: BlockRequest[]
  pumping: boolean
}

export class Uploader {
  #cache = new Map<number, Promise<Uint8Array | undefined>>()
  #queues = new Map<Wire, Queue>()

  constructor(private readonly options: UploaderOptions) {}

  /** A peer's REQUEST: queued as the blocks it is answered with, rejected, or the peer closed for asking what it cannot. */
  serve(wire: Wire, req: BlockRequest): void {
    const holding = this.options.holding()
    if (!holding) return void wire.fail('requested a piece before we announced the manifest')
    const { manifest, have } = holding
    if (req.piece >= have.size) return void wire.fail(`requested piece ${req.piece} of ${have.size}`)
    if (req.offset + req.length > sealedPieceLength(manifest, req.piece))
      return void wire.fail(`requested bytes past the end of piece ${req.piece}`)
    if (!have.has(req.piece)) return void wire.reject(req)
    const queue = this.#queueOf(wire)
    if (queue.blocks.length + Math.ceil(req.length / REQUEST_BLOCK_BYTES) > MAX_UPLOAD_QUEUE) {
      return void wire.fail(`more than ${MAX_UPLOAD_QUEUE} blocks requested at once`)
    }
    for (let offset = req.offset; offset < req.offset + req.length; offset += REQUEST_BLOCK_BYTES) {
      queue.blocks.push({ piece: req.piece, offset, length: Math.min(REQUEST_BLOCK_BYTES, req.offset + req.length - offset) })
    }
    void this.pump(wire)
  }

  /** Withdraws every queued block that starts inside the cancelled range, as the wire's cancel() promises. */
  cancel(wire: Wire, req: BlockRequest): void {
    const queue = this.#queues.get(wire)
    if (!queue) return
    const end = req.offset + req.length
    queue.blocks = queue.blocks.filter((b) => b.piece !== req.piece || b.offset < req.offset || b.offset >= end)
  }

  /** The wire closed: its queue goes. */
  forget(wire: Wire): void {
    this.#queues.delete(wire)
  }

  clear(): void {
    this.#cache.clear()
    this.#queues.clear()
  }

  async pump(wire: Wire): Promise<void> {
    const queue = this.#queues.get(wire)
    if (!queue || queue.pumping) return
    queue.pumping = true
    try {
      while (wire.writable && queue.blocks.length > 0) {
        const req = queue.blocks.shift()!
        const sealed = await this.#read(req.piece)
        if (wire.closed) return
        if (!sealed) {
          wire.reject(req)
          continue
        }
        if (req.offset + req.length > sealed.length) return void wire.fail(`requested bytes past the end of piece ${req.piece}`)
        const wait = this.options.limiter.delayFor(req.length)
        if (wait > 0) await new Promise((resolve) => this.options.clock.setTimeout(() => resolve(undefined), wait))
        if (wire.closed) return
        wire.block(req.piece, req.offset, sealed.subarray(req.offset, req.offset + req.length))
      }
    } finally {
      queue.pumping = false
    }
  }

  #queueOf(wire: Wire): Queue {
    let queue = this.#queues.get(wire)
    if (!queue) this.#queues.set(wire, (queue = { blocks: [], pumping: false }))
    return queue
  }

  #read(index: number): Promise<Uint8Array | undefined> {
    let entry = this.#cache.get(index)
    if (entry) {
      this.#cache.delete(index) // re-inserted below: most recently used last
    } else {
      entry = this.options.store.get(this.options.holding()!.manifest.pieceIds[index])
      if (this.#cache.size >= UPLOAD_CACHE_PIECES) this.#cache.delete(this.#cache.keys().next().value!)
    }
    this.#cache.set(index, entry)
    return entry
  }
}
