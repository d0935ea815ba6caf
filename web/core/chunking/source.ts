/**
 * What ingest reads from: a file with a relative path whose bytes can be read
 * in ranges. Browser Files and Node files both fit behind it, and only the
 * range being read is ever in memory.
 */
export interface SourceFile {
  readonly path: string
  readonly size: number
  readonly type: string
  read(start: number, end: number): Promise<Uint8Array>
}

/** Wraps a browser File or Blob. `path` defaults to the file's name. */
export function blobSource(blob: Blob & { name?: string; webkitRelativePath?: string }, path?: string): SourceFile {
  return {
    path: path ?? (blob.webkitRelativePath || blob.name || 'file'),
    size: blob.size,
    type: blob.type,
    async read(start, end) {
      return new Uint8Array(await blob.slice(start, end).arrayBuffer())
    },
  }
}

/** An in-memory source, for tests and small generated content. */
export function bytesSource(path: string, bytes: Uint8Array, type = 'application/octet-stream'): SourceFile {
  return {
    path,
    size: bytes.length,
    type,
    async read(start, end) {
      return bytes.slice(start, end)
    },
  }
}

/** Reads [start, end) of the concatenation of `files`; a span inside one file is that file's read, not a copy. */
export async function readSpan(files: readonly SourceFile[], offsets: readonly number[], start: number, end: number): Promise<Uint8Array> {
  const inside = files.findIndex((f, i) => offsets[i] <= start && end <= offsets[i] + f.size && f.size > 0)
  if (inside >= 0) {
    const part = await files[inside].read(start - offsets[inside], end - offsets[inside])
    if (part.length !== end - start) throw new Error(`${files[inside].path} changed size while it was being read`)
    return part
  }
  const out = new Uint8Array(end - start)
  let written = 0
  for (let i = 0; i < files.length && start + written < end; i++) {
    const fileStart = offsets[i]
    const fileEnd = fileStart + files[i].size
    const from = Math.max(start + written, fileStart)
    const to = Math.min(end, fileEnd)
    if (from >= to) continue
    const part = await files[i].read(from - fileStart, to - fileStart)
    if (part.length !== to - from) throw new Error(`${files[i].path} changed size while it was being read`)
    out.set(part, from - start)
    written = to - start
  }
  return out
}
