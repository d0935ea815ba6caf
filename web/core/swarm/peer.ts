/**
 * One remote peer as the swarm knows it: its Wire, and what it holds (from
 * its HELLO and HAVEs). The swarm alone changes what a peer holds; the
 * downloader and the manifest fetch read it and talk to the wire.
 */
import type { Hello, Wire } from '../wire/wire.js'
import { MAX_PIECES } from '../../../format/limits.js'
import { Bitfield, type PieceSet } from './bitfield.js'

export class Peer {
  #has: Bitfield | null = null
  #hasManifest = false
  /** Piece count the peer's HELLO gave; undefined when it lacked the manifest then. */
  #announcedPieces: number | undefined

  constructor(readonly wire: Wire) {}

  get id(): string {
    return this.wire.remotePeer
  }

  /** null until the peer's HELLO arrives. */
  get has(): PieceSet | null {
    return this.#has
  }

  /** The peer holds the manifest: it said so in HELLO, or it has announced a piece. */
  get hasManifest(): boolean {
    return this.#hasManifest
  }

  /** Records the peer's HELLO. `ourPieces` is undefined while we lack the manifest. */
  acceptHello(hello: Hello, ourPieces: number | undefined): boolean {
    if (hello.hasManifest) {
      if (ourPieces !== undefined && hello.pieceCount !== ourPieces) {
        return this.wire.fail(`announced ${hello.pieceCount} pieces, the manifest has ${ourPieces}`)
      }
      this.#hasManifest = true
      this.#announcedPieces = hello.pieceCount
      this.#has = new Bitfield(hello.pieceCount, hello.bitfield)
    } else {
      // Until we know the count, record HAVEs in a bitfield of the largest allowed size.
      this.#has = new Bitfield(ourPieces ?? MAX_PIECES)
    }
    return true
  }

  /** Records a HAVE: true when the piece is new for this peer; a piece out of range closes it. */
  acceptHave(piece: number): boolean {
    const has = this.#has!
    if (piece >= has.size) return this.wire.fail(`HAVE for piece ${piece} of ${has.size}`)
    this.#hasManifest = true
    return has.set(piece)
  }

  /** The peer refused a piece it had announced: true when it was recorded as held. */
  lost(piece: number): boolean {
    if (!this.#has?.has(piece)) return false
    this.#has.clear(piece)
    return true
  }

  /** Once we learn the manifest: make the peer's bitfield the right size, or close a peer that contradicts it. */
  fitToManifest(pieceCount: number): boolean {
    if (!this.#has || this.#has.size === pieceCount) return true
    if (this.#announcedPieces !== undefined)
      return this.wire.fail(`announced ${this.#announcedPieces} pieces, the manifest has ${pieceCount}`)
    const fitted = new Bitfield(pieceCount)
    for (const i of this.#has.indices()) {
      if (i >= pieceCount) return this.wire.fail(`announced piece ${i} of ${pieceCount}`)
      fitted.set(i)
    }
    this.#has = fitted
    return true
  }
}
