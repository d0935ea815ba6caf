/**
 * Assemble: stored sealed pieces → the plaintext of one file, one piece at a
 * time, so saving a file of any size holds at most one piece in memory.
 */
import type { CryptoProvider, AeadKey } from '../crypto/provider.js'
import type { DropChunks } from '../storage/chunk-store.js'
import { type Manifest, pieceCapacity } from '../../../format/manifest.js'
import type { FileSpan } from '../content/metadata.js'
import { openPiece } from '../crypto/envelope.js'
import { MissingPieceError } from '../util/errors.js'

export interface AssembleContext {
  crypto: CryptoProvider
  /** The drop's chunks. */
  store: DropChunks
  manifest: Manifest
  pieceKey: AeadKey
  /**
   * Resolves once piece `index` is in the store: a reader streaming a drop
   * still downloading waits here (read-window.ts). Without it every piece
   * must already be held.
   */
  ready?(index: number, signal?: AbortSignal): Promise<void>
}

/** Decrypts piece `index` from the store, once `ctx.ready` says it is there. */
export async function readPlainPiece(ctx: AssembleContext, index: number, signal?: AbortSignal): Promise<Uint8Array> {
  await ctx.ready?.(index, signal)
  const sealed = await ctx.store.get(ctx.manifest.pieceIds[index])
  if (!sealed) throw new MissingPieceError(`piece ${index} is not in the store`)
  return openPiece(ctx.crypto, ctx.pieceKey, index, sealed)
}

/** Pieces read and decrypted ahead of the one being yielded: overlaps storage reads with decryption. */
const READ_AHEAD_PIECES = 4

/** Bytes `start … end − 1` of a file. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/** Where `range` (the whole file by default) lies in the drop's bytes and pieces; a range outside the file is refused. */
export function spanOf(file: FileSpan, capacity: number, range?: ByteRange): { from: number; to: number; first: number; end: number } {
  const { start, end } = range ?? { start: 0, end: file.size }
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > file.size) {
    throw new RangeError(`bytes ${start} … ${end} are not within ${file.path}'s ${file.size}`)
  }
  const from = file.offset + start
  const to = file.offset + end
  const first = Math.floor(from / capacity)
  return { from, to, first, end: to === from ? first : Math.floor((to - 1) / capacity) + 1 }
}

/**
 * Yields the file's bytes (or `range` of them) in order, in chunks of at most
 * one piece; a few pieces are fetched ahead.
 */
export async function* readFileBytes(
  ctx: AssembleContext,
  file: FileSpan,
  signal?: AbortSignal,
  range?: ByteRange,
): AsyncGenerator<Uint8Array> {
  const capacity = pieceCapacity(ctx.manifest.pieceSize)
  const span = spanOf(file, capacity, range)
  const first = span.first
  const last = span.end - 1
  const ahead: Promise<Uint8Array>[] = []
  // Ends the read-aheads' waits when the reader stops early or fails.
  const reading = new AbortController()
  const stop = () => reading.abort()
  signal?.addEventListener('abort', stop, { once: true })
  let next = first
  const fill = () => {
    while (next <= last && ahead.length < READ_AHEAD_PIECES) {
      const read = readPlainPiece(ctx, next++, reading.signal)
      read.catch(() => {}) // a read-ahead dropped after an earlier error must not count as unhandled
      ahead.push(read)
    }
  }
  try {
    for (let index = first; index <= last; index++) {
      signal?.throwIfAborted()
      fill()
      const plain = await ahead.shift()!
      const pieceStart = index * capacity
      yield plain.subarray(Math.max(0, span.from - pieceStart), Math.min(plain.length, span.to - pieceStart))
    }
  } finally {
    signal?.removeEventListener('abort', stop)
    stop()
  }
}
