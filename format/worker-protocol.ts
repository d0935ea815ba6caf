/**
 * What the page and the download service worker say to each other.
 *
 * The worker answers two kinds of same-origin requests with bytes only the
 * page can give (it decrypts; the worker holds no key and reads no store):
 *
 * - a save: SAVE_PATH + id, once, the file as a download (or a zip of several);
 * - a media file: MEDIA_PATH + id, as often as the page's player asks while
 *   the page is open, with HTTP Range requests (206) so it can seek.
 *
 * The page posts the request with a MessagePort. Through the port the worker
 * pulls reads: a read is a byte range of one file, answered one chunk per
 * pull, so the consumer's pace is the page's and nothing piles up. The page
 * answers each pull once the pieces under it are verified, so both work while
 * the drop is still downloading. Requests for these paths that reach the
 * server (no worker, or an expired id) get a 404.
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
export const MEDIA_PATH = '/__media/'

/** Page → worker: a save, fetched once at SAVE_PATH + id. */
export interface SaveRequest {
  type: 'save'
  id: string
  /** One file is saved as itself; several as one zip, streamed as it is built. */
  files: SaveFile[]
  /** The download's name: the file's, or the zip's. */
  name: string
}

/** Page → worker: a file to play, fetched with ranges at MEDIA_PATH + id while the page is open. */
export interface MediaRequest {
  type: 'media'
  id: string
  file: SaveFile
}

/**
 * Page → worker (posted to the worker itself, which keeps an idle worker
 * alive): the page behind `id` is still there. Sent every KEEPALIVE_MS while
 * a save or media file is open; after SILENCE_MS without one the worker asks
 * whether the page still exists (a MessagePort does not say when its other
 * end is gone) and fails what it was reading if not.
 */
export interface Keepalive {
  type: 'keepalive'
  id: string
}

export const KEEPALIVE_MS = 5_000
export const SILENCE_MS = 20_000

/**
 * Worker → page, through the port: ready for requests; the next chunk of
 * read `read` (the first pull of a read names its file and bytes
 * `start … end − 1`); stop read `read`; or nothing more will be read (a
 * save ended: `error` says why if it failed or was cancelled).
 */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'pull'; read: number; file: number; start: number; end: number }
  | { type: 'cancel'; read: number }
  | { type: 'close'; error?: string }

/** Page → worker, through the port: the answer to a pull of read `read`; or the page is going away (every read fails). */
export type PageMessage =
  | { type: 'bytes'; read: number; bytes: ArrayBuffer }
  | { type: 'end'; read: number }
  | { type: 'error'; read: number; message: string }
  | { type: 'gone'; message: string }
