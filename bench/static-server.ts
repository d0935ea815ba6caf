/**
 * A tiny static origin for the baseline pages: a blank page, the WebTorrent
 * browser bundle, its service worker and the page that streams with it
 * (webtorrent-stream.ts); with `video`, that file at VIDEO_PATH (with Range
 * requests) and a page playing it at PLAY_PAGE_PATH. Loopback only.
 */
import { createServer, type Server } from 'node:http'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { STREAM_PAGE_PATH, STREAM_WORKER_PATH, streamPage } from './webtorrent-stream.js'
import { serveFileRanges } from './file-ranges.js'

const require = createRequire(import.meta.url)

export const PLAY_PAGE_PATH = '/play'
const VIDEO_PATH = '/video.webm'

const page = (title: string, body = '') => `<!doctype html><meta charset="utf-8"><title>${title}</title><body>${body}</body>`

export async function startStaticServer(video?: string): Promise<{ url: string; close(): Promise<void> }> {
  const files: Record<string, { type: string; body: Buffer | string }> = {
    '/webtorrent.min.js': { type: 'text/javascript', body: readFileSync(require.resolve('webtorrent/dist/webtorrent.min.js')) },
    [STREAM_WORKER_PATH]: { type: 'text/javascript', body: readFileSync(require.resolve('webtorrent/dist/sw.min.js')) },
    [STREAM_PAGE_PATH]: { type: 'text/html', body: page('WebTorrent stream', `<script type="module">(${streamPage})()</script>`) },
    [PLAY_PAGE_PATH]: { type: 'text/html', body: page('video', `<video src="${VIDEO_PATH}" controls preload="auto"></video>`) },
  }
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (video && path === VIDEO_PATH) return serveFileRanges(req, res, video, 'video/webm')
    const file = files[path] ?? { type: 'text/html', body: page('bench') }
    res.setHeader('Content-Type', file.type)
    res.end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
