/**
 * One remote peer as the swarm sees it: the connection, the HELLO handshake,
 * what the peer holds, the requests we have in flight to it and the requests
 * it has queued with us. Frames are encoded and decoded here; what to do with
 * them is the swarm's business.
 */
import type { Connection, LinkKind } from '../transport/transport.js'
import { type Frame, decodeFrame, encodeFrame } from '../wire/codec.js'
import { InvalidFrameError } from '../util/errors.js'
import { MAX_PIECES } from '../../../format/limits.js'
import { Bitfield } from './bitfield.js'
import { RateMeter } from './rate.js'

export interface BlockRequest {
  piece: number
  offset: number
  length: number
}

export interface InflightRequest extends BlockRequest {
  sentAt: number
}

export function blockKey(piece: number, offset: number): string {
  return `${piece}:${offset}`
}

export class PeerSession {
  /** null until the peer's HELLO arrives. */
  has: Bitfield | null = null
  /** The peer holds the manifest: it said so in HELLO, or it has announced a piece. */
  hasManifest = false
  /** Piece count the peer's HELLO gave; undefined when it lacked the manifest then. */
  announcedPieces: number | undefined
  readonly inflight = new Map<string, InflightRequest>()
  readonly uploadQueue: BlockRequest[] = []
  uploading = false
  writable = true
  /** A tombstone from this peer is being checked: more are ignored meanwhile. */
  checkingTombstone = false
  strikes = 0
  /** Request timeouts since the peer last delivered a block. */
  timeouts = 0
  bytesDown = 0
  bytesUp = 0
  /** Every frame's bytes, both ways (what a relay carries). */
  wireBytes = 0
  /** Piece data received from this peer, for sizing its pipeline. */
  readonly downRate = new RateMeter()
  readonly connectedAt: number

  constructor(
    readonly connection: Connection,
    now: number,
  ) {
    this.connectedAt = now
    connection.events.on('drain', () => {
      this.writable = true
    })
  }

  get id(): string {
    return this.connection.remotePeer
  }

  get kind(): LinkKind {
    return this.connection.kind
  }

  get open(): boolean {
    return !this.connection.closed
  }

  send(frame: Frame): void {
    if (this.connection.closed) return
    const bytes = encodeFrame(frame)
    this.wireBytes += bytes.length
    if (!this.connection.send(bytes)) this.writable = false
  }

  /** Decodes a message; on a malformed one, closes the peer with the reason and returns null. */
  decode(message: Uint8Array): Frame | null {
    this.wireBytes += message.length
    try {
      return decodeFrame(message)
    } catch (err) {
      if (err instanceof InvalidFrameError) {
        this.fail(`malformed frame: ${err.message}`)
        return null
      }
      throw err
    }
  }

  /** Records the peer's HELLO. `ourPieces` is undefined while we lack the manifest. */
  acceptHello(frame: Extract<Frame, { kind: 'hello' }>, ourPieces: number | undefined): boolean {
    if (this.has) return this.fail('sent HELLO twice')
    if (frame.hasManifest) {
      if (ourPieces !== undefined && frame.pieceCount !== ourPieces) {
        return this.fail(`announced ${frame.pieceCount} pieces, the manifest has ${ourPieces}`)
      }
      this.hasManifest = true
      this.announcedPieces = frame.pieceCount
      this.has = new Bitfield(frame.pieceCount, frame.bitfield)
    } else {
      // Until we know the count, record HAVEs in a bitfield of the largest allowed size.
      this.has = new Bitfield(ourPieces ?? MAX_PIECES)
    }
    return true
  }

  /** Once we learn the manifest: make the peer's bitfield the right size, or close a peer that contradicts it. */
  fitToManifest(pieceCount: number): boolean {
    if (!this.has || this.has.size === pieceCount) return true
    if (this.announcedPieces !== undefined) return this.fail(`announced ${this.announcedPieces} pieces, the manifest has ${pieceCount}`)
    const fitted = new Bitfield(pieceCount)
    for (const i of this.has.indices()) {
      if (i >= pieceCount) return this.fail(`announced piece ${i} of ${pieceCount}`)
      fitted.set(i)
    }
    this.has = fitted
    return true
  }

  /** Sends CLOSE with the reason and closes the connection. Returns false for use in guards. */
  fail(reason: string): false {
    if (!this.connection.closed) {
      this.send({ kind: 'close', reason })
      this.connection.close(reason)
    }
    return false
  }
}
