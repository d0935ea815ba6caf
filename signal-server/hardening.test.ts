/**
 * The server under hostile input: rate and connection limits, origins,
 * metrics, graceful shutdown, and property-based fuzzing of every message.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import WebSocket from 'ws'
import type { RunningServer } from './server.js'
import { connectClient, useTestServers } from './test-client.js'
import { encodeManifestPart, encodeRelayFrame } from '../protocol/relay.js'
import { WebSocketSignalingClient, type WebSocketLike } from '../web/core/signaling/client.js'
import { cidFromDigest } from '../format/cid.js'

const CID = 'bafkrei' + 'a'.repeat(52)
const { start, sockets, raw: rawSocket } = useTestServers()

async function metric(s: RunningServer, name: string): Promise<string> {
  const text = await (await fetch(s.url + '/metrics')).text()
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n')
}

describe('server hardening', () => {
  it('answers a flood with rate-limit errors, then disconnects the client, and keeps serving others', async () => {
    const s = await start({ maxMessagesPerSecond: 20 })
    const flooder = await connectClient(s, sockets)
    const closed = new Promise<number>((resolve) => flooder.ws.on('close', (code) => resolve(code)))
    for (let i = 0; i < 200; i++) flooder.send({ type: 'lookup', cid: CID })
    const kinds: string[] = []
    flooder.ws.on('message', (d) => {
      const m = JSON.parse(String(d))
      kinds.push(m.type === 'error' ? m.code : m.type)
    })
    expect(await closed).toBe(1008)
    const answered = kinds.filter((k) => k === 'peers').length
    // At most a burst of twice the rate is accepted (some are not answered before the disconnect).
    expect(answered).toBeGreaterThan(0)
    expect(answered).toBeLessThanOrEqual(45)
    expect(kinds).toContain('rate-limited')
    expect(await closed).toBe(1008)
    const calm = await connectClient(s, sockets)
    calm.send({ type: 'lookup', cid: CID })
    expect(await calm.next()).toMatchObject({ type: 'peers' })
    expect(await metric(s, 'swarmdrop_rejected_messages_total{reason="rate-limited"}')).toMatch(/ (\d{2,})$/)
  })

  it('counts binary messages toward the message rate: a flood of relay frames is held back, not processed at once', async () => {
    const s = await start({ maxMessagesPerSecond: 10 }) // 20 tokens of burst, one twentieth each: 400 frames, then 200 per second
    const flooder = await connectClient(s, sockets)
    const frame = encodeRelayFrame({ peer: 'Q'.repeat(21) + 'A', cidDigest: new Uint8Array(32), payload: Uint8Array.of(1) })
    const handled = async () => Number((await metric(s, 'swarmdrop_rejected_messages_total{reason="unknown-peer"}')).split(' ')[1] ?? 0)
    const started = Date.now()
    for (let i = 0; i < 1000; i++) flooder.ws.send(frame)
    await expect.poll(handled, { interval: 20 }).toBeGreaterThanOrEqual(400)
    expect(await handled()).toBeLessThan(1000)
    await expect.poll(handled, { timeout: 10_000, interval: 100 }).toBe(1000) // nothing is dropped: it is only slowed
    expect(Date.now() - started).toBeGreaterThan(2_000) // 600 frames past the burst at 200 per second
  })

  it('paces a client that announces many drops under the rate, so it is never disconnected', async () => {
    const s = await start({ maxMessagesPerSecond: 50 })
    const client = new WebSocketSignalingClient({
      url: s.url.replace('http', 'ws') + '/ws',
      WebSocket: WebSocket as unknown as new (u: string) => WebSocketLike,
    })
    const answered = new Set<string>()
    const problems: string[] = []
    client.events.on('peers', ({ cid }) => answered.add(cid))
    client.events.on('error', ({ code }) => problems.push(code))
    client.events.on('status', (status) => status !== 'open' && problems.push(status))
    await new Promise<void>((resolve) => client.events.on('welcome', () => resolve()))
    const cids = Array.from({ length: 150 }, (_, i) => cidFromDigest(new Uint8Array(32).fill(i)))
    for (const cid of cids) client.announce(cid)
    for (const cid of cids) client.lookup(cid) // queued behind, one per CID
    await expect.poll(() => answered.size, { timeout: 20_000 }).toBe(150)
    expect(problems).toEqual([])
    client.close()
  }, 30_000)

  it('limits connections per client address', async () => {
    const s = await start({ maxConnectionsPerIp: 3 })
    for (let i = 0; i < 3; i++) expect((await rawSocket(s)).status).toBeUndefined()
    expect((await rawSocket(s)).status).toBe(429)
    sockets[0].close()
    await expect.poll(() => s.hub.peerCount).toBe(2) // the server has seen it go (and counted it off its address)
    expect((await rawSocket(s)).status).toBeUndefined()
    expect(await metric(s, 'swarmdrop_connections_refused_total')).toContain('reason="per-address-limit"} 1')
  })

  it('accepts its own origin and origin-less clients, refuses other origins unless listed', async () => {
    const s = await start()
    expect((await rawSocket(s, { Origin: s.url })).status).toBeUndefined()
    expect((await rawSocket(s)).status).toBeUndefined()
    expect((await rawSocket(s, { Origin: 'https://evil.example' })).status).toBe(403)
    await s.close()
    const listed = await start({ allowedOrigins: ['https://app.example'] })
    expect((await rawSocket(listed, { Origin: 'https://app.example' })).status).toBeUndefined()
    expect((await rawSocket(listed, { Origin: listed.url })).status).toBe(403)
  })

  it('exposes Prometheus metrics for peers, swarms, announces, signals and event-loop lag', async () => {
    const s = await start()
    const a = await connectClient(s, sockets)
    a.send({ type: 'announce', cid: CID })
    await a.next()
    a.send('{"type":"nope"}')
    await a.next()
    const text = await (await fetch(s.url + '/metrics')).text()
    expect(text).toMatch(/^swarmdrop_peers 1$/m)
    expect(text).toMatch(/^swarmdrop_swarms 1$/m)
    expect(text).toMatch(/^swarmdrop_announces_total 1$/m)
    expect(text).toMatch(/^swarmdrop_rejected_messages_total\{reason="bad-message"\} 1$/m)
    expect(text).toMatch(/^swarmdrop_signals_total 0$/m)
    expect(text).toMatch(/^swarmdrop_relayed_bytes_total 0$/m)
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m)
  })

  it('shuts down gracefully: tells clients to reconnect (1012), then stops', async () => {
    const s = await start()
    const a = await connectClient(s, sockets)
    const closed = new Promise<number>((resolve) => a.ws.on('close', (code) => resolve(code)))
    const done = s.close(2_000)
    expect(await closed).toBe(1012)
    await done
    await expect(fetch(s.url + '/healthz')).rejects.toThrow()
  })

  it('survives random and malformed messages and keeps answering valid clients (property test)', async () => {
    const s = await start({ maxMessagesPerSecond: 100_000 })
    const jsonish = fc.oneof(
      fc.json({ depthSize: 'large' }),
      fc
        .record({
          type: fc.constantFrom(
            'announce',
            'lookup',
            'leave',
            'signal',
            'welcome',
            'relay',
            'revoke',
            'pin',
            'pin-holdings',
            'pin-report',
            '__proto__',
            'constructor',
          ),
          cid: fc.oneof(fc.constant(CID), fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string())),
          to: fc.oneof(fc.string({ minLength: 22, maxLength: 22 }), fc.integer(), fc.constant(undefined)),
          data: fc.oneof(fc.object(), fc.string(), fc.constant(null)),
          complete: fc.oneof(fc.boolean(), fc.string()),
          secret: fc.oneof(fc.string({ minLength: 43, maxLength: 43 }), fc.integer()),
          size: fc.oneof(fc.integer(), fc.double()),
          state: fc.constantFrom('refused', 'dropped', 'nope'),
          pins: fc.oneof(
            fc.array(fc.record({ cid: fc.constantFrom(CID, 'x'), replicas: fc.integer(), complete: fc.boolean() })),
            fc.string(),
          ),
          token: fc.oneof(fc.string(), fc.integer()),
        })
        .map((m) => JSON.stringify(m)),
      fc.string({ maxLength: 3000 }),
      fc.constant('['.repeat(5000) + ']'.repeat(5000)),
    )
    const binary = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc
        .uint8Array({ maxLength: 200 })
        .map((payload) => encodeRelayFrame({ peer: 'A'.repeat(21) + 'A', cidDigest: new Uint8Array(32), payload })),
      fc.uint8Array({ maxLength: 300 }).map(encodeManifestPart),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(jsonish, binary), { minLength: 1, maxLength: 30 }), async (messages) => {
        const fuzzer = await connectClient(s, sockets)
        for (const m of messages) fuzzer.ws.send(m)
        const valid = await connectClient(s, sockets)
        valid.send({ type: 'announce', cid: CID })
        expect(await valid.next()).toMatchObject({ type: 'peers', cid: CID })
        fuzzer.ws.terminate()
        valid.ws.terminate()
      }),
      { numRuns: 60, seed: 42 },
    )
    // Every connection is gone once its socket is: nothing leaks in the hub or the tracker.
    await expect.poll(() => s.hub.peerCount).toBe(0)
    expect(s.hub.pinNodeCount).toBe(0)
    expect(await metric(s, 'swarmdrop_swarms')).toMatch(/swarmdrop_swarms 0/)
  }, 60_000)
})

describe('server time', () => {
  it('refills a connection’s message rate by the clock it is given, not by waiting', async () => {
    let now = Date.UTC(2030, 0, 1)
    const s = await start({ maxMessagesPerSecond: 5 }, undefined, { now: () => now })
    const c = await connectClient(s, sockets) // its hello took one of the 10 tokens of burst
    const answers = async (count: number) => {
      for (let i = 0; i < count; i++) c.send({ type: 'lookup', cid: CID })
      const kinds: string[] = []
      for (let i = 0; i < count; i++) {
        const m = await c.next()
        kinds.push(m.type === 'error' ? m.code : m.type)
      }
      return kinds.sort() // a refusal is sent on arrival, ahead of answers still being looked up
    }
    expect(await answers(10)).toEqual([...Array(9).fill('peers'), 'rate-limited'].sort())
    now += 1_000 // five tokens back
    expect(await answers(6)).toEqual([...Array(5).fill('peers'), 'rate-limited'].sort())
  })
})
