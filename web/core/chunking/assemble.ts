/**
 * Assemble: stored sealed pieces → the plaintext of one file, one piece at a
 * time, so saving a file of any size holds at most one piece in memory.
 */
import type { CryptoProvider, AeadKey } from '../crypto/provider.js'
import type { ChunkStore } from '../storage/chunk-store.js'
import { type Manifest, pieceCapacity } from '../content/manifest.js'
import type { FileSpan } from '../content/metadata.js'
import { openPiece } from '../crypto/envelope.js'
import { MissingPieceError } from '../util/errors.js'

export interface AssembleContext {
  crypto: CryptoProvider
  store: ChunkStore
  manifest: Manifest
  pieceKey: AeadKey
}

/** Decrypts piece `index` from the store. */
export async function readPlainPiece(ctx: AssembleContext, index: number): Promise<Uint8Array> {
  const sealed = await ctx.store.get(ctx.manifest.pieceIds[index])
  if (!sealed) throw new MissingPieceError(`piece ${index} is not in the store`)
  return openPiece(ctx.crypto, ctx.pieceKey, index, sealed)
}

/** Yields the file's bytes in order, in chunks of at most one piece. */
export async function* readFileBytes(ctx: AssembleContext, file: FileSpan, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const capacity = pieceCapacity(ctx.manifest.pieceSize)
  const end = file.offset + file.size
  for (let index = Math.floor(file.offset / capacity); index * capacity < end; index++) {
    signal?.throwIfAborted()
    const pieceStart = index * capacity
    const plain = await readPlainPiece(ctx, index)
    yield plain.subarray(Math.max(0, file.offset - pieceStart), Math.min(plain.length, end - pieceStart))
  }
}
