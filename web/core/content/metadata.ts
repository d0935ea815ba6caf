/**
 * The drop's file list: names, relative paths, sizes and types. It travels
 * encrypted inside the manifest; this module validates it after decryption,
 * because a key holder can still have crafted it.
 */
import { MAX_FILES, MAX_METADATA_BYTES, MAX_MIME_CHARS, MAX_PATH_CHARS, MAX_SEGMENT_CHARS } from './constants.js'
import { InvalidManifestError } from '../util/errors.js'

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

/** Throws InvalidManifestError unless `path` is a safe relative path. */
export function checkPath(path: string): void {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidManifestError('a file has an empty name')
  if (path.length > MAX_PATH_CHARS) throw new InvalidManifestError('a file path is too long')
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) {
    throw new InvalidManifestError(`unsafe file path ${JSON.stringify(path.slice(0, 80))}`)
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidManifestError(`unsafe file path ${JSON.stringify(path.slice(0, 80))}`)
    }
    if (segment.length > MAX_SEGMENT_CHARS) throw new InvalidManifestError('a file name is too long')
  }
}

export function validateMetadata(value: unknown, totalSize: number): DropMetadata {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as DropMetadata).files)) {
    throw new InvalidManifestError('file list is malformed')
  }
  const raw = (value as { files: unknown[] }).files
  if (raw.length > MAX_FILES) throw new InvalidManifestError(`more than ${MAX_FILES} files`)
  let sum = 0
  const seen = new Set<string>()
  const files = raw.map((f): FileEntry => {
    if (typeof f !== 'object' || f === null) throw new InvalidManifestError('file entry is malformed')
    const { path, size, type } = f as Record<string, unknown>
    checkPath(path as string)
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw new InvalidManifestError('file size is invalid')
    if (typeof type !== 'string' || type.length > MAX_MIME_CHARS) throw new InvalidManifestError('file type is invalid')
    if (seen.has(path as string)) throw new InvalidManifestError(`duplicate path ${JSON.stringify(path)}`)
    seen.add(path as string)
    sum += size as number
    return { path: path as string, size: size as number, type }
  })
  if (sum !== totalSize) throw new InvalidManifestError('file sizes do not add up to the drop size')
  return { files }
}

export function encodeMetadata(meta: DropMetadata): Uint8Array {
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
