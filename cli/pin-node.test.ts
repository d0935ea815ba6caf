/**
 * The pin node's limits and lifecycle, with engines in this process talking
 * to a real server (memory links between them): revoke and expiry end a pin,
 * --max-age drops old ones and tells the server.
 */
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { useTestServers } from '../signal-server/test-client.js'
import type { RunningServer } from '../signal-server/server.js'
import { Engine } from '../web/core/engine.js'
import { realClock } from '../web/core/util/clock.js'
import { WebSocketSignalingClient, type WebSocketLike } from '../web/core/signaling/client.js'
import { memoryDialer } from '../web/core/transport/memory-dial.js'
import { memoryStore } from '../web/core/storage/memory-store.js'
import { memoryLibrary } from '../web/core/library/library-store.js'
import { webCryptoProvider } from '../web/core/crypto/provider.js'
import { bytesSource } from '../web/core/chunking/source.js'
import { parseLink } from '../web/core/content/link.js'
import type { PinStatus } from '../protocol/signal.js'
import { pseudoRandomBytes } from '../web/core/util/random.js'
import { PinNode } from './pin-node.js'
import { craftDrop } from '../web/core/crafted-drop.fixtures.js'
import { digestOfCid } from '../format/cid.js'
import { fileBytes, once } from '../web/core/drop.fixtures.js'
import { toHex } from '../web/core/util/bytes.js'

const { start } = useTestServers()
const engines: Engine[] = []
const pinNodes: PinNode[] = []
afterEach(() => {
  pinNodes.splice(0).forEach((p) => p.stop())
  engines.splice(0).forEach((e) => {
    e.signaling.close()
    e.close()
  })
})

async function engineOn(server: RunningServer, now?: () => number, store = memoryStore()): Promise<Engine> {
  const signaling = new WebSocketSignalingClient({
    url: server.url.replace('http', 'ws') + '/ws',
    WebSocket: WebSocket as unknown as new (u: string) => WebSocketLike,
  })
  const e = new Engine({
    store,
    library: memoryLibrary(),
    crypto: webCryptoProvider(),
    signaling,
    dial: memoryDialer(() => signaling.peerId),
    lookupIntervalMs: 200,
    clock: now && { ...realClock, now },
  })
  engines.push(e)
  await new Promise<void>((resolve) =>
    signaling.status === 'open' ? resolve() : signaling.events.on('status', (s) => s === 'open' && resolve()),
  )
  return e
}

/** Shares a file, pins it, and resolves once the pin node holds all of it. */
async function sharedAndPinned(server: RunningServer, options: { expiresAt?: number; clock?: () => number; maxAgeMs?: number } = {}) {
  const sharer = await engineOn(server)
  const pinEngine = await engineOn(server, options.clock)
  const log: string[] = []
  const pin = new PinNode(pinEngine, { token: 'pin-secret', maxAgeMs: options.maxAgeMs, now: options.clock, log: (m) => log.push(m) })
  pinNodes.push(pin)
  await pin.start()
  const content = pseudoRandomBytes(150_000, 41)
  const { fragment } = await sharer.share([bytesSource('p.bin', content)], { pieceSize: 64 * 1024, expiresAt: options.expiresAt })
  const { cid } = parseLink(fragment)
  const statuses: PinStatus[] = []
  sharer.pins.events.on('pin-status', (s) => statuses.push(s))
  sharer.pins.pin(cid)
  await expect.poll(() => statuses.at(-1)?.complete, { timeout: 10_000 }).toBe(1)
  return { sharer, pinEngine, pin, cid, statuses, fragment, content, log }
}

describe('pin node', () => {
  it('deletes a pinned drop that its owner revokes', async () => {
    const server = await start({ pinReplicas: 1, pinHeartbeatMs: 200, pinToken: 'pin-secret' })
    const { sharer, pinEngine, cid } = await sharedAndPinned(server)
    expect((await pinEngine.library())[0]).toMatchObject({ cid, role: 'pinned', secret: null })
    await sharer.revoke(cid)
    await expect.poll(() => pinEngine.library(), { timeout: 5_000 }).toEqual([])
  }, 30_000)

  it('drops pins past --max-age, and the server stops asking for copies', async () => {
    const server = await start({ pinReplicas: 1, pinHeartbeatMs: 200, pinToken: 'pin-secret' })
    let clock = Date.now()
    const { pinEngine, statuses } = await sharedAndPinned(server, { clock: () => clock, maxAgeMs: 60_000 })
    clock += 61_000 // older than --max-age at the next heartbeat
    await expect.poll(() => pinEngine.library(), { timeout: 5_000 }).toEqual([])
    await expect.poll(() => statuses.at(-1), { timeout: 5_000 }).toMatchObject({ holders: 0, complete: 0 }) // the server took the drop in
    const askedAgain: string[] = []
    pinEngine.pinNode.events.on('pin-request', ({ cid }) => askedAgain.push(cid))
    for (let i = 0; i < 3; i++) server.hub.auditPins() // several audits
    // A lookup answered after those audits: any pin request they sent comes before it on the same socket.
    const marker = 'bafkrei' + 'a'.repeat(52) // a CID nobody shares
    const answered = new Promise<void>((resolve) => pinEngine.signaling.events.on('peers', (p) => p.cid === marker && resolve()))
    pinEngine.signaling.lookup(marker)
    await answered
    expect(askedAgain).toEqual([]) // it was not asked to pin it again
    expect(await pinEngine.library()).toEqual([])
  }, 30_000)

  it('is asked to hold a drop crafted against one it pins, and loses not a byte of that one', async () => {
    const server = await start({ pinReplicas: 1, pinHeartbeatMs: 200, pinToken: 'pin-secret' })
    const { sharer, pinEngine, cid, fragment, content, log } = await sharedAndPinned(server)
    // A stranger who knows the CID: its own manifest lists the pinned drop's pieces and manifest, already expired.
    const expiresAt = Date.now() - 1_000
    const crafted = await craftDrop(
      webCryptoProvider(),
      { manifest: sharer.drop(cid)!.swarm.manifest!, digest: digestOfCid(cid) },
      { listVictimManifest: true, expiresAt },
    )
    const strangerStore = memoryStore()
    await strangerStore.drop(digestOfCid(crafted.cid)).putMany([
      [digestOfCid(crafted.cid), crafted.bytes],
      [crafted.own.id, crafted.own.bytes],
    ])
    const stranger = await engineOn(server, () => expiresAt - 60_000, strangerStore)
    await stranger.hold(crafted.cid)
    stranger.pins.pin(crafted.cid) // the server asks the pin node; nobody there does anything
    await expect.poll(() => log.find((m) => m.includes(crafted.cid) && /^(refused|dropped)/.test(m)), { timeout: 10_000 }).toBeDefined()
    expect((await pinEngine.library()).map((r) => r.cid)).toEqual([cid])
    // The sharer leaves: the pin node alone serves the pinned drop, whole.
    sharer.signaling.close()
    sharer.close()
    const late = await engineOn(server)
    const download = await late.open(parseLink(fragment))
    await once(download, 'complete')
    expect(toHex(await webCryptoProvider().sha256(await fileBytes(download)))).toBe(toHex(await webCryptoProvider().sha256(content)))
  }, 30_000)

  it('drops pins past their expiry', async () => {
    const server = await start({ pinReplicas: 1, pinHeartbeatMs: 200, pinToken: 'pin-secret' })
    let clock = Date.now()
    const expiresAt = clock + 60_000
    const { pinEngine } = await sharedAndPinned(server, { expiresAt, clock: () => clock })
    clock = expiresAt + 1
    await expect.poll(() => pinEngine.library(), { timeout: 5_000 }).toEqual([])
  }, 30_000)
})
