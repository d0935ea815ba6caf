/** Limits of the swarm engine, each with the reason for its value. */

/** Blocks in flight per peer before its rate is known. */
export const INITIAL_PIPELINE_BLOCKS = 8
/**
 * Even a slow peer keeps four blocks queued: a peer pacing its uploads (an
 * upload limit) otherwise idles between requests, its measured rate drops,
 * and a smaller pipeline makes it idle more.
 */
export const MIN_PIPELINE_BLOCKS = 4
/** 64 × 128 KiB = 8 MiB in flight to one peer at most. */
export const MAX_PIPELINE_BLOCKS = 64
/** In-flight data per peer covers this much of its measured throughput. */
export const PIPELINE_SECONDS = 1
/** In endgame a peer duplicates others' blocks only when fewer than this are in flight to it (it is idle). */
export const ENDGAME_IDLE_BLOCKS = 4
/** A block is requested from at most this many peers at once in endgame. */
export const ENDGAME_MAX_REQUESTERS = 2
/**
 * Bytes of pieces the downloader holds in memory at once, whatever the file
 * size: received in part, being hashed, or whole and waiting for the store.
 * Once they reach it no new piece starts, so the store's pace bounds the
 * page's memory. A quarter of the 256 MB the page may grow by; it covers
 * eight peers' full pipelines (MAX_PIPELINE_BLOCKS).
 */
export const MAX_HELD_PIECE_BYTES = 64 * 1024 * 1024
/** Requests a peer may queue with us before it is treated as abusive (≥ MAX_PIPELINE_BLOCKS). */
export const MAX_UPLOAD_QUEUE = 512
/** Rounds of timed-out requests, with nothing delivered in between, before a peer is dropped as gone. */
export const MAX_TIMEOUTS = 2
/** Corrupt pieces a peer may send before it is dropped (one could be a fluke). */
export const MAX_STRIKES = 2
/** Verified pieces are written to the store in batches of about this many bytes: one transaction each. */
export const WRITE_BATCH_BYTES = 2 * 1024 * 1024
/** …or after this long, so a slow download still announces its pieces promptly. */
export const WRITE_BATCH_DELAY_MS = 25
/**
 * Of MAX_HELD_PIECE_BYTES, bytes of whole pieces (being hashed or waiting
 * for the store) past which no piece starts either: four write batches keep
 * the store busy, and a deeper queue only delays every write behind it — a
 * reader waiting on a piece waits for all of them (64 MiB of them: 2–4 s
 * from a mirror into the in-memory OPFS of a benchmark's browser).
 */
export const MAX_UNSTORED_BYTES = 4 * WRITE_BATCH_BYTES
/** How long a peer has to deliver the manifest before we ask another. */
export const MANIFEST_TIMEOUT_MS = 15_000
/** Sealed pieces kept in memory for serving consecutive blocks of one piece. */
export const UPLOAD_CACHE_PIECES = 8
/** How often the manifest fetch is checked for a timeout and the downloader rescheduled. */
export const TICK_MS = 1_000
/**
 * With a priority window set, each peer starts at most this many window pieces
 * in a row, then one piece rarest first from outside the window: a quarter of
 * every pipeline keeps spreading rare pieces, so a swarm whose downloaders all
 * watch the same film still holds every piece somewhere; three quarters still
 * outrun playback whenever the swarm gives 1.34× the bitrate.
 */
export const WINDOW_PICKS_PER_RAREST = 3
/**
 * The window's head (the piece a reader is blocked on) in flight this long at
 * one peer is also asked of another, first copy wins: one slow peer cannot
 * stall playback, and a head that arrives in time is never fetched twice.
 */
export const HEAD_STALL_MS = 1_000
/** Ranges in one priority window: a reader names a few (head, read-ahead, the next file's start). */
export const MAX_WINDOW_RANGES = 64
/** Readers waiting on pieces at once per swarm: each waits on one piece; this bounds a caller that leaks waits. */
export const MAX_PIECE_WAITERS = 64
/**
 * A reader streaming a file (a save while downloading) keeps this much ahead
 * of it in the priority window: a few seconds of a fast swarm, so the picker
 * always has window pieces for every peer's pipeline.
 */
export const READ_AHEAD_BYTES = 32 * 1024 * 1024
/**
 * Chunks a drop stored last, kept in memory (recent-chunks.ts): a save right
 * behind the download and peers asking for fresh pieces skip the store.
 * A streaming save's pieces are fetched up to READ_AHEAD_BYTES ahead of it,
 * with one rarest-first piece among every WINDOW_PICKS_PER_RAREST + 1, so
 * about 43 MiB may be stored between a piece and the save reading it: at
 * 16 MiB, half a fast mirror download's save read its pieces back from OPFS.
 */
export const RECENT_CHUNK_BYTES = 48 * 1024 * 1024
