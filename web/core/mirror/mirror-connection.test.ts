/**
 * A blind mirror as a swarm's only source, served by a real HTTP server on
 * loopback (Node's http, Node's fetch): a drop downloads from it byte-exact,
 * and a host that sends a piece one byte short, one byte long, endlessly,
 * or with a Content-Length past the piece is closed for the wrong length
 * without its bytes reaching the swarm or the page reading on.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { mirrorManifestPath, mirrorPiecePath } from '../../../format/mirror-layout.js'
import { digestOfCid } from '../../../format/cid.js'
import { memoryStore } from '../storage/memory-store.js'
import { Swarm } from '../swarm/swarm.js'
import { completed, crypto, expectContent, makeDrop, type Drop } from '../swarm/swarm.fixtures.js'
import { MirrorConnection } from './mirror-connection.js'

const PIECE = 256 * 1024

type Lie = 'short' | 'long' | 'endless' | 'declared-long'

/** Serves `drop` in the mirror layout; the piece named by `lie` is served wrong, that way. Counts body bytes sent for it. */
async function mirror(drop: Drop, lie?: { piece: number; how: Lie }) {
  const files = new Map<string, Uint8Array>([[`/${mirrorManifestPath(drop.result.cid)}`, drop.result.manifestBytes]])
  for (const id of drop.result.manifest.pieceIds) files.set(`/${mirrorPiecePath(drop.result.cid, id)}`, (await drop.store.get(id))!)
  const liePath = lie && `/${mirrorPiecePath(drop.result.cid, drop.result.manifest.pieceIds[lie.piece])}`
  let lieBytesSent = 0
  const gets = new Map<string, number>()
  const server: Server = createServer((req, res) => {
    gets.set(req.url ?? '', (gets.get(req.url ?? '') ?? 0) + 1)
    const body = files.get(req.url ?? '')
    if (!body) return res.writeHead(404).end()
    if (req.url !== liePath) return res.writeHead(200, { 'Content-Length': body.length }).end(body)
    if (lie!.how === 'short') return res.writeHead(200).end(body.subarray(0, body.length - 1))
    if (lie!.how === 'long') return res.writeHead(200).end(Buffer.concat([body, Buffer.from([0])]))
    if (lie!.how === 'declared-long') {
      res.writeHead(200, { 'Content-Length': body.length + 1 })
      lieBytesSent += body.length
      return res.end(body.subarray(0, body.length)) // one byte short of what it declared: never read anyway
    }
    // Endless: chunks until the client goes away (each write waits for the socket, so this is bounded by the client).
    res.writeHead(200)
    const chunk = new Uint8Array(64 * 1024)
    const more = () => {
      if (res.destroyed) return
      lieBytesSent += chunk.length
      if (res.write(chunk)) setImmediate(more)
      else res.once('drain', more)
    }
    res.on('close', () => res.destroy())
    more()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, lieBytesSent: () => lieBytesSent, gets }
}

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

/** A fresh swarm fed by the mirror at `base` alone; resolves its store and the mirror's close reason (or null if it stays). */
async function downloadFrom(drop: Drop, base: string) {
  const store = memoryStore().drop(digestOfCid(drop.result.cid))
  const swarm = new Swarm({ cid: drop.result.cid, store, crypto })
  const connection = new MirrorConnection({ base, cid: drop.result.cid, crypto })
  const closed = new Promise<string>((resolve) => connection.events.on('close', ({ reason }) => resolve(reason)))
  swarm.addConnection(connection)
  return { swarm, store, closed }
}

describe('a mirror on a real HTTP server', () => {
  it('serves a drop byte-exact, each piece in one GET', async () => {
    const drop = await makeDrop(12 * (PIECE - 16) + 1_000, PIECE)
    const host = await mirror(drop)
    const { swarm, store } = await downloadFrom(drop, host.base)
    await completed(swarm)
    await expectContent(drop, store)
    expect([...host.gets.values()]).toEqual(Array(1 + drop.result.manifest.pieceIds.length).fill(1))
    swarm.close()
  })

  it.each<Lie>(['short', 'long', 'endless', 'declared-long'])(
    'is closed for a piece sent %s, which never reaches the store',
    async (how) => {
      const drop = await makeDrop(4 * (PIECE - 16), PIECE)
      const host = await mirror(drop, { piece: 2, how })
      const { swarm, store, closed } = await downloadFrom(drop, host.base)
      expect(await closed).toBe('served piece 2 with the wrong length')
      expect(await store.has(drop.result.manifest.pieceIds[2])).toBe(false)
      expect(swarm.have?.has(2)).toBe(false)
      // The endless body: read up to about one piece, not on and on (what TCP and the server buffered is not ours).
      if (how === 'endless') expect(host.lieBytesSent()).toBeLessThan(64 * PIECE)
      swarm.close()
    },
  )
})
