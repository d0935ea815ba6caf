/**
 * Serves a file from disk with HTTP Range requests, as any static web server
 * does for a video: the floor the streaming benchmark measures the media
 * pipeline against (every byte already there, a loopback hop away). Only the
 * forms media elements send: `bytes=a-` and `bytes=a-b`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createReadStream, statSync } from 'node:fs'

export function serveFileRanges(req: IncomingMessage, res: ServerResponse, path: string, type: string): void {
  const size = statSync(path).size
  const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
  const start = match ? Number(match[1]) : 0
  const end = match?.[2] ? Math.min(size, Number(match[2]) + 1) : size
  res.setHeader('Accept-Ranges', 'bytes')
  res.setHeader('Content-Type', type)
  if (start >= size || end <= start) {
    res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end()
    return
  }
  res.setHeader('Content-Length', end - start)
  if (match) res.writeHead(206, { 'Content-Range': `bytes ${start}-${end - 1}/${size}` })
  createReadStream(path, { start, end: end - 1 }).pipe(res)
}
