/**
 * What the page and the download service worker say to each other.
 *
 * The page posts a SaveRequest with a MessagePort, then loads SAVE_PATH + id,
 * which only the worker answers (the server answers 404: such a request
 * reaching it has expired). The worker answers with a streamed response and
 * pulls the bytes of each file through the port as the download manager
 * takes them; the page answers each pull with the file's next bytes once the
 * pieces under them are verified, so a save can start while the drop is
 * still downloading. The worker never sees a key: the page decrypts.
 */

/** A file of the drop and where it starts in the drop's bytes (the engine's FileSpan). */
export interface SaveFile {
  readonly index: number
  readonly offset: number
  /** Relative path with "/" separators. */
  readonly path: string
  readonly size: number
  readonly type: string
}

export const SAVE_PATH = '/__save/'

export interface SaveRequest {
  type: 'save'
  id: string
  /** One file is saved as itself; several as one zip, streamed as it is built. */
  files: SaveFile[]
  /** The download's name: the file's, or the zip's. */
  name: string
}

/** Worker → page, through the port: ready for the download's request; the next bytes of file `file` (its SaveFile.index); or stop everything. */
export type SaveWorkerMessage = { type: 'ready' } | { type: 'pull'; file: number } | { type: 'cancel' }

/** Page → worker, through the port: an answer to a pull. */
export type SavePageMessage =
  | { type: 'bytes'; file: number; bytes: ArrayBuffer }
  | { type: 'end'; file: number }
  | { type: 'error'; message: string }

/**
 * Page → worker (posted to the worker itself, which keeps an idle worker
 * alive): the page saving `id` is still there. The page sends one every
 * SAVE_KEEPALIVE_MS while the save is open; the worker fails the download
 * after SAVE_SILENCE_MS without one (the page was closed or crashed: a
 * MessagePort does not say so itself).
 */
export interface SaveKeepalive {
  type: 'keepalive'
  id: string
}

export const SAVE_KEEPALIVE_MS = 5_000
export const SAVE_SILENCE_MS = 20_000
