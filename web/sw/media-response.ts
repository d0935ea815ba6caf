/**
 * The worker's answer to a media element's request for a file the page
 * plays (format/worker-protocol.ts): the range it asks for (206), the whole
 * file (200) or 416, with the headers a player needs to seek. The bytes come
 * from the page as its pieces are verified, so playback starts with the
 * first pieces and a seek fetches the pieces under the playhead first.
 * A request that ends or is cancelled (the player seeks elsewhere) stops its
 * read; the page's other reads go on.
 */
import type { SaveFile } from '../../format/worker-protocol.js'
import type { PageReads } from './page-reads.js'
import { parseRange } from './range.js'
import { responseStream } from './page-reads.js'

export function mediaResponse(request: Request, file: SaveFile, reads: PageReads): Response {
  const range = parseRange(request.headers.get('Range'), file.size)
  const headers: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    'Content-Type': file.type || 'application/octet-stream',
    'Cache-Control': 'no-store',
  }
  if (range.kind === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${file.size}` } })
  }
  const { start, end } = range.kind === 'part' ? range : { start: 0, end: file.size }
  const body = start === end ? null : responseStream(reads.read(file, start, end), () => {})
  if (range.kind === 'whole') return new Response(body, { status: 200, headers: { ...headers, 'Content-Length': String(file.size) } })
  return new Response(body, {
    status: 206,
    headers: { ...headers, 'Content-Length': String(end - start), 'Content-Range': `bytes ${start}-${end - 1}/${file.size}` },
  })
}
