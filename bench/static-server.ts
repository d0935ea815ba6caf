/** A tiny static origin for the baseline pages: a blank page and the WebTorrent browser bundle. Loopback only. */
import { createServer, type Server } from 'node:http'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export async function startStaticServer(): Promise<{ url: string; close(): Promise<void> }> {
  const webtorrent = readFileSync(require.resolve('webtorrent/dist/webtorrent.min.js'))
  const server: Server = createServer((req, res) => {
    if (req.url === '/webtorrent.min.js') {
      res.setHeader('Content-Type', 'text/javascript')
      res.end(webtorrent)
      return
    }
    res.setHeader('Content-Type', 'text/html')
    res.end('<!doctype html><meta charset="utf-8"><title>bench</title><body></body>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
