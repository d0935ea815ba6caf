import { pieceCountFor } from '../../../format/manifest.js'
import { MAX_PIECE_SIZE_LOG2 } from '../../../format/limits.js'

/** The piece size the chooser starts from for real files. */
const DEFAULT_MIN_PIECE_BYTES = 256 * 1024
/** The chooser aims for at most this many pieces (bitfield ≤ 512 bytes). */
const TARGET_MAX_PIECES = 4096

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
