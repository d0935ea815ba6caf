/**
 * Reading a drop's files while it downloads: each read waits for its pieces
 * and keeps the swarm's priority window on what it needs next
 * (swarm/read-window.ts). A player's reads come first: while one is open,
 * other readers (a save) leave the window to it, and a player also asks for
 * the file's last piece early (WebM keeps its seek index there, MP4 often
 * its header), so the first seek does not wait for it.
 */
import type { AeadKey, CryptoProvider } from './crypto/provider.js'
import type { DropChunks } from './storage/chunk-store.js'
import type { FileSpan } from './content/metadata.js'
import { type ByteRange, readFileBytes, spanOf } from './chunking/assemble.js'
import { type PieceSource, ReadWindow } from './swarm/read-window.js'
import { READ_AHEAD_BYTES } from './swarm/constants.js'
import type { Swarm } from './swarm/swarm.js'
import { pieceCapacity } from '../../format/manifest.js'

export class FileReaders {
  /** Players reading now. */
  #players = 0
  readonly #unlessPlaying: PieceSource
  readonly #always: PieceSource

  constructor(
    readonly swarm: Swarm,
    readonly chunks: DropChunks,
    readonly crypto: CryptoProvider,
    readonly pieceKey: AeadKey,
  ) {
    const whenPiece = (index: number, signal?: AbortSignal) => swarm.whenPiece(index, signal)
    const holds = (index: number) => swarm.have?.has(index) ?? false
    this.#always = { prioritize: (ranges) => swarm.prioritize(ranges), whenPiece, holds }
    this.#unlessPlaying = { prioritize: (ranges) => (this.#players > 0 ? () => {} : swarm.prioritize(ranges)), whenPiece, holds }
  }

  /** Fails if the drop stops first, or if `range` is not within the file. */
  async *read(file: FileSpan, signal?: AbortSignal, range?: ByteRange, playing = false): AsyncGenerator<Uint8Array> {
    const manifest = this.swarm.manifest
    if (!manifest) throw new Error('this drop has no manifest yet')
    const capacity = pieceCapacity(manifest.pieceSize)
    const last = spanOf(file, capacity).end - 1
    const tail = playing && file.size > 0 ? { first: last, end: last + 1 } : undefined
    const source = playing ? this.#always : this.#unlessPlaying
    const window = new ReadWindow(source, spanOf(file, capacity, range), Math.ceil(READ_AHEAD_BYTES / manifest.pieceSize), tail)
    if (playing) this.#players++
    try {
      const ready = (index: number, s?: AbortSignal) => window.ready(index, s)
      yield* readFileBytes({ crypto: this.crypto, store: this.chunks, manifest, pieceKey: this.pieceKey, ready }, file, signal, range)
    } finally {
      window.close()
      if (playing) this.#players--
    }
  }
}
