/**
 * A store served as a blind mirror over plain HTTP (format/mirror-layout.ts):
 * what a pin node holds, at `/swarmdrop-v1/<CID>/manifest` and
 * `…/pieces/<piece id>`, to any origin. Only ciphertext and hashes leave,
 * and only of drops the node holds; anything else is 404. Paths are parsed,
 * never joined onto the file system.
 */
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChunkStore } from '../web/core/storage/chunk-store.js'
import { type Cid, digestOfCid, isCid } from '../format/cid.js'
import { MIRROR_LAYOUT_DIR } from '../format/mirror-layout.js'
import { fromHex } from '../web/core/util/bytes.js'
import type { NodeEngine } from './node-engine.js'
import { UsageError } from './exit-codes.js'

const PATH = new RegExp(`^/${MIRROR_LAYOUT_DIR}/([a-z2-7]+)/(?:manifest|pieces/([0-9a-f]{64}))$`)

export interface StoreMirror {
  /** The base URL a link names (`--mirror`), ending in `/`. */
  readonly base: string
  close(): Promise<void>
}

export async function serveStoreAsMirror(
  store: ChunkStore,
  holds: (cid: Cid) => Promise<boolean>,
  host: string,
  port: number,
): Promise<StoreMirror> {
  const server: Server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*')
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end()
    const match = PATH.exec((req.url ?? '').split('?')[0])
    if (!match || !isCid(match[1])) return void res.writeHead(404).end()
    const cid = match[1]
    const digest = digestOfCid(cid)
    void (async () => {
      const bytes = (await holds(cid)) ? await store.drop(digest).get(match[2] ? fromHex(match[2]) : digest) : undefined
      if (!bytes) return void res.writeHead(404).end()
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(bytes.length),
        'Cache-Control': 'public, max-age=31536000, immutable',
      })
      res.end(req.method === 'HEAD' ? undefined : bytes)
    })().catch(() => res.writeHead(500).end())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    base: `http://${shownHost}:${address.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Serves what a node's library holds as a blind mirror on `listen` (HOST:PORT, `--mirror-listen`). */
export async function serveHoldings(node: NodeEngine, listen: string): Promise<StoreMirror> {
  const match = /^(.+):(\d+)$/.exec(listen)
  if (!match) throw new UsageError('--mirror-listen must be HOST:PORT, e.g. 127.0.0.1:8081')
  const held = async (cid: Cid) => (await node.engine.library()).some((r) => r.cid === cid)
  const mirror = await serveStoreAsMirror(node.store, held, match[1].replace(/^\[(.*)\]$/, '$1'), Number(match[2]))
  process.stderr.write(`Serving what this node holds as a blind mirror at ${mirror.base}\n`)
  return mirror
}
