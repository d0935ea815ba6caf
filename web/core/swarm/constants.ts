/** Limits of the swarm engine, each with the reason for its value. */

/** Blocks in flight per peer: 16 × 128 KiB = 2 MiB keeps a loopback or LAN channel busy. */
export const MAX_INFLIGHT_BLOCKS_PER_PEER = 16
/** Bytes of partially received pieces held in memory at once, whatever the file size. */
export const MAX_PARTIAL_BYTES = 64 * 1024 * 1024
/** Requests a peer may queue with us before it is treated as abusive. */
export const MAX_UPLOAD_QUEUE = 512
/** A block not answered in this time is asked of someone else. */
export const REQUEST_TIMEOUT_MS = 20_000
/** Corrupt pieces a peer may send before it is dropped (one could be bad luck in transit). */
export const MAX_STRIKES = 2
/** How long a peer has to deliver the manifest before we ask another. */
export const MANIFEST_TIMEOUT_MS = 15_000
/** A peer must say HELLO within this time after the channel opens. */
export const HELLO_TIMEOUT_MS = 10_000
/** Sealed pieces kept in memory for serving consecutive blocks of one piece. */
export const UPLOAD_CACHE_PIECES = 8
/** How often timeouts are checked. */
export const TICK_MS = 1_000
