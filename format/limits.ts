/** Limits of the content format. Each bounds what an untrusted manifest can make us allocate. */

export const MANIFEST_MAGIC = Uint8Array.of(0x53, 0x44, 0x4d) // "SDM"
export const MANIFEST_VERSION = 1

/**
 * Every sealed piece carries a 16-byte GCM tag. The piece size in the manifest
 * is the sealed size, so sealed pieces tile into power-of-two wire blocks;
 * each piece holds pieceSize − 16 bytes of plaintext.
 */
export const PIECE_OVERHEAD_BYTES = 16
/** Smallest piece: 16 KiB keeps per-piece overhead (a hash, a request) negligible. */
export const MIN_PIECE_SIZE_LOG2 = 14
/** Largest piece: 4 MiB is held in memory while it is verified; more would bloat RAM. */
export const MAX_PIECE_SIZE_LOG2 = 22
/** Hard cap: 64 Ki pieces × 4 MiB = 256 GiB per drop; the bitfield stays ≤ 8 KiB. */
export const MAX_PIECES = 65536
/** The whole drop, bounded by MAX_PIECES at the largest piece size. */
export const MAX_TOTAL_BYTES = MAX_PIECES * 2 ** MAX_PIECE_SIZE_LOG2
/** Encrypted metadata (file list) size cap: 10,000 files with long paths fit. */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024
export const MAX_FILES = 10_000
export const MAX_PATH_CHARS = 4096
export const MAX_SEGMENT_CHARS = 255
export const MAX_MIME_CHARS = 255
/** Header (18) + expiry (8) + revoke hash (32) + mirror key (32), rounded up; then metadata and piece ids. */
export const MAX_MANIFEST_BYTES = 96 + MAX_METADATA_BYTES + MAX_PIECES * 32
