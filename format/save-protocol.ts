/**
 * What the page and the download service worker say to each other: the page
 * posts a SaveRequest, then loads SAVE_PATH + id, which only the worker
 * answers (the server answers 404: such a request reaching it has expired).
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
  cid: string
  secret: string
  /** One file is saved as itself; several as one zip, streamed as it is built. */
  files: SaveFile[]
  /** The download's name: the file's, or the zip's. */
  name: string
}
