/** Limits of the peer wire protocol. */

export const WIRE_VERSION = 1
/** Chromium's SCTP message limit; one frame is one data-channel message. */
export const MAX_FRAME_BYTES = 256 * 1024
/** Header of a BLOCK frame: version, kind, piece u32, offset u32. */
export const BLOCK_HEADER_BYTES = 10
/** Largest block a peer may request: whatever fits in a frame. */
export const MAX_BLOCK_BYTES = MAX_FRAME_BYTES - BLOCK_HEADER_BYTES
/**
 * The block size: a power of two, so blocks tile every piece size. A REQUEST
 * may span several blocks of one piece (fewer small messages); it is answered
 * with one BLOCK frame per block, the last possibly shorter.
 */
export const REQUEST_BLOCK_BYTES = 128 * 1024
/** A REQUEST covers at most a whole sealed piece (4 MiB). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024
/** A CLOSE frame's reason, in UTF-8 bytes. */
export const MAX_REASON_BYTES = 512
/** Manifest parts: the frame minus the MANIFEST_PART header. */
export const MANIFEST_PART_BYTES = MAX_FRAME_BYTES - 16
/** A block not answered in this time is cancelled (and asked of someone else). */
export const REQUEST_TIMEOUT_MS = 15_000
/** How often a wire with requests outstanding checks them for timeouts. */
export const REQUEST_CHECK_MS = 1_000
/** A peer must say HELLO within this time after the channel opens. */
export const HELLO_TIMEOUT_MS = 10_000
