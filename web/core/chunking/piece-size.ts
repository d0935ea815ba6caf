import { pieceCountFor } from '../content/manifest.js'
import { DEFAULT_MIN_PIECE_BYTES, MAX_PIECE_SIZE_LOG2, TARGET_MAX_PIECES } from '../content/constants.js'

/**
 * The smallest power of two ≥ 256 KiB that keeps the drop at ≤ 4096 pieces,
 * capped at 4 MiB (beyond 16 GiB the piece count grows past the target).
 * Small pieces start flowing sooner and spread across peers better; few
 * pieces keep the manifest and bitfields small.
 */
export function choosePieceSize(totalSize: number, minPieceSize = DEFAULT_MIN_PIECE_BYTES): number {
  let size = minPieceSize
  while (size < 2 ** MAX_PIECE_SIZE_LOG2 && pieceCountFor(totalSize, size) > TARGET_MAX_PIECES) size *= 2
  return size
}
