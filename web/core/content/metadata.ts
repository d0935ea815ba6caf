/**
 * The drop's file list: names, relative paths, sizes and types. It travels
 * encrypted inside the manifest; this module validates it after decryption,
 * because a key holder can still have crafted it. Names must pass
 * file-names.ts (checked here for receivers, and on encoding for senders).
 */
import { MAX_FILES, MAX_METADATA_BYTES, MAX_MIME_CHARS } from '../../../format/limits.js'
import { checkFileList } from './file-names.js'
import { InvalidManifestError } from '../../../format/errors.js'

export { checkPath } from './file-names.js'

export interface FileEntry {
  /** Relative path with "/" separators, e.g. "photos/2024/a.jpg". */
  readonly path: string
  readonly size: number
  /** MIME type as the sender's browser reported it; may be empty. */
  readonly type: string
}

export interface DropMetadata {
  readonly files: readonly FileEntry[]
}

/** Where each file starts in the concatenated byte stream of the drop. */
export interface FileSpan extends FileEntry {
  readonly index: number
  readonly offset: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })
/** A MIME type is printable ASCII: it becomes a Content-Type header when the file is saved. */
const MIME_CHARS = /^[\x20-\x7e]*$/

export function validateMetadata(value: unknown, totalSize: number): DropMetadata {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as DropMetadata).files)) {
    throw new InvalidManifestError('file list is malformed')
  }
  const raw = (value as { files: unknown[] }).files
  if (raw.length > MAX_FILES) throw new InvalidManifestError(`more than ${MAX_FILES} files`)
  let sum = 0
  const files = raw.map((f): FileEntry => {
    if (typeof f !== 'object' || f === null) throw new InvalidManifestError('file entry is malformed')
    const { path, size, type } = f as Record<string, unknown>
    if (typeof path !== 'string') throw new InvalidManifestError('a file has no name')
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw new InvalidManifestError('file size is invalid')
    if (typeof type !== 'string' || type.length > MAX_MIME_CHARS || !MIME_CHARS.test(type))
      throw new InvalidManifestError('file type is invalid')
    sum += size as number
    return { path, size: size as number, type }
  })
  checkFileList(files.map((f) => f.path))
  if (sum !== totalSize) throw new InvalidManifestError('file sizes do not add up to the drop size')
  return { files }
}

/** Refuses (InvalidManifestError) a list a receiver would refuse: senders make names safe first (makeNamesSafe). */
export function encodeMetadata(meta: DropMetadata): Uint8Array {
  checkFileList(meta.files.map((f) => f.path))
  const json = JSON.stringify({ files: meta.files.map(({ path, size, type }) => ({ path, size, type })) })
  const bytes = encoder.encode(json)
  if (bytes.length > MAX_METADATA_BYTES - 16) throw new InvalidManifestError('file list is too large')
  return bytes
}

export function decodeMetadata(bytes: Uint8Array, totalSize: number): DropMetadata {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw new InvalidManifestError('file list is not valid JSON')
  }
  return validateMetadata(value, totalSize)
}

export function fileSpans(meta: DropMetadata): FileSpan[] {
  let offset = 0
  return meta.files.map((f, index) => {
    const span = { ...f, index, offset }
    offset += f.size
    return span
  })
}

/** The last path segment: what a browser download is named. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}
