/**
 * Tombstones as strangers send them: a revoke secret spelled another way (the
 * real server hands on whatever spelling it last accepted), malformed secrets
 * from a server, and a flood of bogus TOMBSTONE frames from a peer. A client
 * never throws on one, never keeps a revoked drop, and a bogus one costs it
 * no store read.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { connectClient, useTestServers } from '../../signal-server/test-client.js'
import type { RunningServer } from '../../signal-server/server.js'
import { sendTombstone } from '../../signal-server/tombstone.fixtures.js'
import { Engine } from './engine.js'
import { WebSocketSignalingClient, type WebSocketLike } from './signaling/client.js'
import { MemorySignalingHub } from './signaling/memory-hub.js'
import { memoryDialer } from './transport/memory-dial.js'
import { memoryPair } from './transport/memory.js'
import { memoryStore } from './storage/memory-store.js'
import type { ChunkStore } from './storage/chunk-store.js'
import { type LibraryStore, memoryLibrary } from './library/library-store.js'
import { bytesSource } from './chunking/source.js'
import { parseLink } from './content/link.js'
import { type Cid, digestOfCid } from '../../format/cid.js'
import { type Frame, decodeFrame, encodeFrame } from './wire/codec.js'
import { toBase64Url } from '../../format/bytes.js'
import { pseudoRandomBytes } from './util/random.js'
import { once, waitFor } from './drop.fixtures.js'
import { crypto, useEngines } from './engine.fixtures.js'

const PIECE = 16 * 1024
const engine = useEngines()
const { start, sockets } = useTestServers()

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** The same 32 bytes, spelled with the last character's two unused bits set: what lenient decoders (Node's Buffer) accept. */
function otherSpelling(canonical: string): string {
  return canonical.slice(0, -1) + B64URL[B64URL.indexOf(canonical.at(-1)!) | 1]
}

const serverEngines: Engine[] = []
function engineOn(server: RunningServer, store: ChunkStore, library: LibraryStore): Promise<Engine> {
  const signaling = new WebSocketSignalingClient({
    url: server.url.replace('http', 'ws') + '/ws',
    WebSocket: WebSocket as unknown as new (u: string) => WebSocketLike,
  })
  const e = new Engine({ store, library, crypto, signaling, dial: memoryDialer(() => signaling.peerId), lookupIntervalMs: 200 })
  serverEngines.push(e)
  return new Promise((resolve) =>
    signaling.status === 'open' ? resolve(e) : signaling.events.on('status', (s) => s === 'open' && resolve(e)),
  )
}
function shutDown(e: Engine): void {
  e.signaling.close()
  e.close()
}

describe('tombstones from strangers', () => {
  it('a holder that comes back after a stranger re-sent the tombstone in another spelling still deletes the drop', async () => {
    const server = await start()
    try {
      const owner = await engineOn(server, memoryStore(), memoryLibrary())
      const { fragment, ownerFragment } = await owner.share([bytesSource('gone.bin', pseudoRandomBytes(60_000, 71))], { pieceSize: PIECE })
      const { cid } = parseLink(fragment)
      const manifestBytes = owner.drop(cid)!.swarm.manifestBytes!
      const store = memoryStore()
      const library = memoryLibrary()
      const holder = await engineOn(server, store, library)
      await once(await holder.open(parseLink(fragment)), 'complete')
      shutDown(holder) // offline while the drop is revoked
      await owner.revoke(cid)
      // Anyone who heard the tombstone can send it again, spelled their way; the server keeps the last one it accepts.
      const stranger = await connectClient(server, sockets)
      sendTombstone(stranger, cid, otherSpelling(toBase64Url(parseLink(ownerFragment).revokeSecret!)), manifestBytes)
      await stranger.next()
      const back = await engineOn(server, store, library)
      await back.restoreLibrary()
      await expect.poll(() => back.library(), { timeout: 5_000 }).toEqual([])
      expect(await store.drop(digestOfCid(cid)).has(digestOfCid(cid))).toBe(false)
    } finally {
      serverEngines.splice(0).forEach(shutDown)
    }
  }, 20_000)

  it('a server’s tombstone in another spelling deletes the drop; malformed ones are ignored with a warning, never thrown', async () => {
    const hub = new MemorySignalingHub()
    const owner = engine(hub)
    const { fragment, ownerFragment } = await owner.share([bytesSource('x.bin', pseudoRandomBytes(40_000, 72))], { pieceSize: PIECE })
    const { cid } = parseLink(fragment)
    const store = memoryStore()
    const holder = engine(hub, { store })
    const download = await holder.open(parseLink(fragment))
    await once(download, 'complete')
    for (const malformed of ['', 'x', 'AAAAA', '!'.repeat(43), 'A'.repeat(44), `${'A'.repeat(42)}=`]) hub.sendRevoked(cid, malformed)
    await waitFor(download, (s) => s.warnings.filter((w) => /malformed/.test(w)).length === 6)
    expect(download.state).toMatchObject({ phase: 'complete', failure: null })
    hub.sendRevoked(cid, otherSpelling(toBase64Url(parseLink(ownerFragment).revokeSecret!)))
    await once(download, 'revoked')
    await expect.poll(() => holder.library()).toEqual([])
    expect(await store.drop(digestOfCid(cid)).has(digestOfCid(cid))).toBe(false)
  })

  it('a peer sending bogus TOMBSTONE frames is dropped at the first, and they cost no store reads', async () => {
    const hub = new MemorySignalingHub()
    const inner = memoryStore()
    let reads = 0
    const store: ChunkStore = {
      ...inner,
      drop(dropId) {
        const chunks = inner.drop(dropId)
        return {
          ...chunks,
          get: (id) => {
            reads++
            return chunks.get(id)
          },
        }
      },
    }
    const holder = engine(hub, { store })
    const { fragment } = await holder.share([bytesSource('y.bin', pseudoRandomBytes(50_000, 73))], { pieceSize: PIECE })
    const { cid } = parseLink(fragment)
    const transfer = holder.drop(cid as Cid)!
    const [ours, theirs] = memoryPair('stranger', 'holder')
    const received: Frame[] = []
    ours.events.on('message', (m) => received.push(decodeFrame(m)))
    let closedWith = ''
    ours.events.on('close', ({ reason }) => (closedWith = reason))
    transfer.swarm.addConnection(theirs)
    reads = 0
    ours.send(encodeFrame({ kind: 'hello', cidDigest: digestOfCid(cid), hasManifest: false, pieceCount: 0, bitfield: new Uint8Array(0) }))
    for (let i = 0; i < 2_000; i++) ours.send(encodeFrame({ kind: 'tombstone', secret: pseudoRandomBytes(32, 1_000 + i) }))
    ours.send(encodeFrame({ kind: 'request', piece: 0, offset: 0, length: 1_024 })) // answered only if the peer was kept
    await expect.poll(() => ours.closed || received.some((f) => f.kind === 'block'), { timeout: 10_000 }).toBe(true)
    expect(reads, 'store reads while 2,000 bogus tombstones arrived').toBe(0)
    expect(closedWith).toMatch(/tombstone/)
    expect(received.some((f) => f.kind === 'block')).toBe(false)
    expect(transfer.state).toMatchObject({ phase: 'complete', failure: null })
    expect(await holder.library()).toHaveLength(1)
  })
})
