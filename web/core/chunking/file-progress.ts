/**
 * Per-file progress: how many of each file's bytes lie in pieces already
 * verified. Files are cut from one concatenated stream, so a piece may hold
 * the end of one file and the start of the next.
 */
import type { FileSpan } from '../content/metadata.js'

/** One pass over the pieces each file spans; `capacity` is the plaintext bytes per piece. */
export function fileBytesHeld(files: readonly FileSpan[], capacity: number, held: (piece: number) => boolean): number[] {
  return files.map((f) => {
    if (f.size === 0) return 0
    const end = f.offset + f.size
    let bytes = 0
    for (let piece = Math.floor(f.offset / capacity); piece * capacity < end; piece++) {
      if (held(piece)) bytes += Math.min(end, (piece + 1) * capacity) - Math.max(f.offset, piece * capacity)
    }
    return bytes
  })
}
