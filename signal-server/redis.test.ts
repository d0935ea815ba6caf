/**
 * Several server processes sharing state through a real redis-server:
 * discovery, signals and relayed frames across processes, a dead process's
 * peers expiring, and a transfer that survives losing a process.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RunningServer } from './server.js'
import { connectClient, testServer } from './test-client.js'
import { RedisState } from './state/redis.js'
import { startRedis } from './redis-fixture.js'
import { drop, nonCanonical, sendTombstone } from './tombstone.fixtures.js'
import { ownedDrop, sendMirrorList } from './mirror-list.fixtures.js'
import { Redis } from 'ioredis'
import { startTestServer } from '../e2e/server.js'
import { decodeRelayFrame, encodeRelayFrame } from '../protocol/relay.js'
import { SIGNAL_PROTOCOL_VERSION } from '../protocol/signal.js'
import { cidFromDigest, digestOfCid } from '../format/cid.js'
import { Engine } from '../web/core/engine.js'
import { WebSocketSignalingClient, type WebSocketLike } from '../web/core/signaling/client.js'
import { memoryDialer } from '../web/core/transport/memory-dial.js'
import { memoryStore } from '../web/core/storage/memory-store.js'
import { memoryLibrary } from '../web/core/library/library-store.js'
import { webCryptoProvider } from '../web/core/crypto/provider.js'
import { bytesSource } from '../web/core/chunking/source.js'
import { parseLink } from '../web/core/content/link.js'
import { toHex } from '../web/core/util/bytes.js'
import { fileBytes, once, waitFor } from '../web/core/drop.fixtures.js'
import { pseudoRandomBytes } from '../web/core/util/random.js'

const CID = cidFromDigest(new Uint8Array(32).fill(3))
let redis: { url: string; stop(): Promise<void> }
const servers: RunningServer[] = []
const sockets: WebSocket[] = []
const engines: Engine[] = []

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})
afterEach(async () => {
  engines.splice(0).forEach((e) => {
    e.signaling.close()
    e.close()
  })
  sockets.splice(0).forEach((s) => s.terminate())
  for (const s of servers.splice(0)) await s.close()
})

async function shared(ttlMs = 5_000) {
  const state = await RedisState.connect({ url: redis.url, ttlMs })
  const server = await testServer({}, state)
  servers.push(server)
  return server
}

describe('scale-out with Redis', () => {
  it('revokes across processes: members elsewhere are told, and every process answers with the tombstone', async () => {
    const { manifest, cid, secret } = drop()
    const [one, two] = [await shared(), await shared()]
    const owner = await connectClient(one, sockets)
    const member = await connectClient(two, sockets)
    for (const c of [owner, member]) {
      c.send({ type: 'announce', cid })
      await c.next()
    }
    sendTombstone(owner, cid, secret, manifest)
    expect(await owner.next()).toEqual({ type: 'revoked', cid, secret })
    expect(await member.next()).toEqual({ type: 'revoked', cid, secret })
    const late = await connectClient(two, sockets)
    late.send({ type: 'lookup', cid })
    expect(await late.next()).toEqual({ type: 'revoked', cid, secret })
  })

  it('keeps a published mirror list across processes: any process answers with it, and refuses a replay of it', async () => {
    const { manifest, cid, list } = ownedDrop()
    const [one, two] = [await shared(), await shared()]
    const owner = await connectClient(one, sockets)
    const signed = await list(7, ['https://data.example.org/'])
    sendMirrorList(owner, cid, signed, manifest)
    expect(await owner.next()).toEqual({ type: 'mirrors', cid, list: signed })
    const elsewhere = await connectClient(two, sockets)
    elsewhere.send({ type: 'mirrors-get', cid })
    expect(await elsewhere.next()).toEqual({ type: 'mirrors', cid, list: signed })
    sendMirrorList(elsewhere, cid, signed, manifest)
    expect(await elsewhere.next()).toMatchObject({ type: 'error', code: 'bad-mirror-list', message: /number 7/ })
  })

  it('keeps the recorded tombstone across processes: the secret re-sent non-canonically is refused', async () => {
    const { manifest, cid, secret } = drop()
    const [one, two] = [await shared(), await shared()]
    const owner = await connectClient(one, sockets)
    owner.send({ type: 'announce', cid })
    await owner.next()
    sendTombstone(owner, cid, secret, manifest)
    expect(await owner.next()).toEqual({ type: 'revoked', cid, secret })
    const attacker = await connectClient(two, sockets)
    sendTombstone(attacker, cid, nonCanonical(secret), manifest)
    expect(await attacker.next()).toMatchObject({ type: 'error', code: 'bad-message' })
    const late = await connectClient(one, sockets)
    late.send({ type: 'lookup', cid })
    expect(await late.next()).toEqual({ type: 'revoked', cid, secret })
  })

  it('never replaces a recorded tombstone, and re-encodes one an older server stored non-canonically', async () => {
    const state = await RedisState.connect({ url: redis.url, ttlMs: 5_000 })
    const server = await testServer({}, state)
    servers.push(server)
    const [first, second] = [drop(), drop()]
    const cid = first.cid
    await state.revoke(cid, first.secret, 60_000, { revoker: 'p', maxUnshared: 10 })
    const again = await state.revoke(cid, second.secret, 60_000, { revoker: 'p', maxUnshared: 10 })
    expect(await state.tombstone(cid)).toBe(first.secret)
    expect(again).toMatchObject({ secret: first.secret, recorded: false })
    const raw = new Redis(redis.url)
    await raw.set(`sd:revoked:${second.cid}`, nonCanonical(second.secret), 'PX', 60_000)
    await raw.quit()
    const c = await connectClient(server, sockets)
    c.send({ type: 'lookup', cid: second.cid })
    expect(await c.next()).toEqual({ type: 'revoked', cid: second.cid, secret: second.secret })
  })

  it('bounds the member-less tombstones in Redis, keeps those of drops that had members, and gives every one a TTL', async () => {
    const raw = new Redis(redis.url)
    await raw.flushall()
    const state = await RedisState.connect({ url: redis.url, ttlMs: 5_000 })
    try {
      const real = drop({ metadataBytes: 16 })
      await state.connect('member')
      await state.join('member', real.cid, true, 10)
      await state.revoke(real.cid, real.secret, 60_000, { revoker: 'owner', maxUnshared: 3 })
      const made = Array.from({ length: 5 }, () => drop({ metadataBytes: 16 }))
      for (const d of made) await state.revoke(d.cid, d.secret, 60_000, { revoker: 'stranger', maxUnshared: 3 })
      expect(await state.tombstone(real.cid)).toBe(real.secret)
      expect(await state.tombstone(made[0].cid)).toBeUndefined()
      expect(await state.tombstone(made[4].cid)).toBe(made[4].secret)
      const keys = await raw.keys('sd:revoked*')
      expect(keys.filter((k) => k.startsWith('sd:revoked:')).length).toBe(4)
      for (const key of keys) {
        const ttl = await raw.pttl(key)
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(60_000)
      }
    } finally {
      await state.close()
      await raw.quit()
    }
  })

  it('lets peers on two processes find each other, signal, and relay frames', async () => {
    const [one, two] = [await shared(), await shared()]
    const a = await connectClient(one, sockets)
    const b = await connectClient(two, sockets)
    a.send({ type: 'announce', cid: CID })
    expect(await a.next()).toEqual({ type: 'peers', cid: CID, peers: [] })
    b.send({ type: 'announce', cid: CID })
    expect(await b.next()).toEqual({ type: 'peers', cid: CID, peers: [a.id] })
    a.send({ type: 'lookup', cid: CID })
    expect(await a.next()).toEqual({ type: 'peers', cid: CID, peers: [b.id] })
    b.send({ type: 'signal', to: a.id, cid: CID, data: { type: 'offer', sdp: 'x' } })
    expect(await a.next()).toEqual({ type: 'signal', from: b.id, cid: CID, data: { type: 'offer', sdp: 'x' } })
    a.ws.send(encodeRelayFrame({ peer: b.id, cidDigest: digestOfCid(CID), payload: Uint8Array.of(1, 2, 3) }))
    const frame = decodeRelayFrame(await b.nextBinary())!
    expect(frame.peer).toBe(a.id)
    expect([...frame.payload]).toEqual([1, 2, 3])
    b.send({ type: 'signal', to: 'Z'.repeat(21) + 'A', cid: CID, data: {} })
    expect(await b.next()).toMatchObject({ type: 'error', code: 'unknown-peer' })
  })

  it('refuses a signal to a peer on another process that is not in the swarm, and it gets nothing', async () => {
    const [one, two] = [await shared(), await shared()]
    const a = await connectClient(one, sockets)
    const [outsider, member] = [await connectClient(two, sockets), await connectClient(two, sockets)]
    const other = cidFromDigest(new Uint8Array(32).fill(4))
    a.send({ type: 'announce', cid: CID })
    await a.next()
    outsider.send({ type: 'announce', cid: other })
    await outsider.next()
    member.send({ type: 'announce', cid: CID })
    await member.next()
    a.send({ type: 'signal', to: outsider.id, cid: CID, data: { sdp: 'not for you' } })
    expect(await a.next()).toMatchObject({ type: 'error', code: 'unknown-peer', ref: 'signal' })
    // The same message to a member arrives; the outsider's next message is this one from its own swarm, not the refused one.
    a.send({ type: 'signal', to: member.id, cid: CID, data: { sdp: 'yours' } })
    expect(await member.next()).toEqual({ type: 'signal', from: a.id, cid: CID, data: { sdp: 'yours' } })
    member.send({ type: 'announce', cid: other })
    await member.next()
    member.send({ type: 'signal', to: outsider.id, cid: other, data: { sdp: 'first' } })
    expect(await outsider.next()).toEqual({ type: 'signal', from: member.id, cid: other, data: { sdp: 'first' } })
  })

  it('forgets the peers of a process that died once their entries expire', async () => {
    const dying = await startTestServer([`--redis=${redis.url}`, '--redis-ttl=1000'])
    const two = await shared(1_000)
    const ws = new WebSocket(dying.url.replace('http', 'ws') + '/ws')
    sockets.push(ws)
    const id = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)).id)))
    ws.send(JSON.stringify({ type: 'hello', protocol: SIGNAL_PROTOCOL_VERSION }))
    ws.send(JSON.stringify({ type: 'announce', cid: CID }))
    await new Promise((r) => ws.once('message', r))
    const b = await connectClient(two, sockets)
    b.send({ type: 'lookup', cid: CID })
    expect(await b.next()).toEqual({ type: 'peers', cid: CID, peers: [id] })
    await dying.kill() // no clean-up: SIGKILL
    // Its entries expire 1 s after their last refresh: ask until they are gone.
    const lookup = async () => {
      b.send({ type: 'lookup', cid: CID })
      return b.next()
    }
    await expect.poll(lookup, { timeout: 10_000, interval: 100 }).toEqual({ type: 'peers', cid: CID, peers: [] })
  }, 30_000)

  it('completes a transfer between peers on two processes, and after one process dies', async () => {
    const crypto = webCryptoProvider()
    const procOne = await startTestServer([`--redis=${redis.url}`, '--redis-ttl=2000', '--relay-after=100'])
    const two = await testServer({ relayAfterMs: 100 }, await RedisState.connect({ url: redis.url, ttlMs: 2_000 }))
    servers.push(two)
    const wsUrl = (http: string) => http.replace('http', 'ws') + '/ws'
    const engine = (urls: string[]) => {
      const signaling = new WebSocketSignalingClient({
        url: urls,
        WebSocket: WebSocket as unknown as new (u: string) => WebSocketLike,
        minBackoffMs: 100,
      })
      // Node has no WebRTC here: every link falls back to the relay, which is what crosses the processes.
      const e = new Engine({
        store: memoryStore(),
        library: memoryLibrary(),
        crypto,
        signaling,
        dial: memoryDialer(() => signaling.peerId, { unreachable: true }),
        lookupIntervalMs: 300,
      })
      engines.push(e)
      return e
    }
    const seeder = engine([wsUrl(procOne.url), wsUrl(two.url)])
    const content = pseudoRandomBytes(3 * 1024 * 1024, 11)
    await new Promise<void>((r) => seeder.signaling.events.on('status', (s) => s === 'open' && r()))
    const { fragment } = await seeder.share([bytesSource('data.bin', content)], { pieceSize: 64 * 1024 })
    const leecher = engine([wsUrl(two.url)])
    const transfer = await leecher.open(parseLink(fragment))
    await waitFor(transfer, (s) => s.piecesDone >= 5)
    await procOne.kill() // the seeder's process dies mid-transfer: it reconnects to the other one
    await once(transfer, 'complete')
    expect(toHex(await crypto.sha256(await fileBytes(transfer)))).toBe(toHex(await crypto.sha256(content)))
  }, 30_000)
})
