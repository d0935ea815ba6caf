import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import type { RunningServer } from './server.js'
import { connectClient, testServer } from './test-client.js'
import { SIGNAL_PROTOCOL_VERSION } from '../protocol/signal.js'

const CID_A = 'bafkrei' + 'a'.repeat(52)
const CID_B = 'bafkrei' + 'b'.repeat(52)

let server: RunningServer
const sockets: WebSocket[] = []

beforeEach(async () => {
  server = await testServer({ maxSwarmsPerPeer: 3 })
})

afterEach(async () => {
  sockets.splice(0).forEach((s) => s.terminate())
  await server.close()
})

const client = () => connectClient(server, sockets)

describe('signaling server', () => {
  it('welcomes each connection with a distinct server-assigned id and the configured ICE servers', async () => {
    const a = await client()
    const b = await client()
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(a.id).not.toBe(b.id)
    expect(a.welcome).toMatchObject({ iceServers: [], protocol: SIGNAL_PROTOCOL_VERSION })
  })

  it('answers announce and lookup with the other members of the swarm only', async () => {
    const a = await client()
    const b = await client()
    const c = await client()
    a.send({ type: 'announce', cid: CID_A })
    expect(await a.next()).toEqual({ type: 'peers', cid: CID_A, peers: [] })
    b.send({ type: 'announce', cid: CID_A })
    expect(await b.next()).toEqual({ type: 'peers', cid: CID_A, peers: [a.id] })
    c.send({ type: 'announce', cid: CID_B })
    await c.next()
    c.send({ type: 'lookup', cid: CID_A })
    expect(((await c.next()) as { peers: string[] }).peers.sort()).toEqual([a.id, b.id].sort())
    a.send({ type: 'leave', cid: CID_A })
    c.send({ type: 'lookup', cid: CID_A })
    expect(await c.next()).toEqual({ type: 'peers', cid: CID_A, peers: [b.id] })
    b.ws.close()
    await expect.poll(() => server.hub.peerCount).toBe(2) // the server has seen b go
    c.send({ type: 'lookup', cid: CID_A })
    expect(await c.next()).toEqual({ type: 'peers', cid: CID_A, peers: [] })
  })

  it('lists complete peers first to a peer that lacks pieces, and no complete peers to a complete one', async () => {
    const seedA = await client()
    const seedB = await client()
    const partial = await client()
    const fresh = await client()
    for (const c of [seedA, seedB]) {
      c.send({ type: 'announce', cid: CID_A, complete: true })
      await c.next()
    }
    partial.send({ type: 'announce', cid: CID_A, complete: false })
    const toPartial = (await partial.next()) as { peers: string[] }
    expect(toPartial.peers.sort()).toEqual([seedA.id, seedB.id].sort())
    fresh.send({ type: 'announce', cid: CID_A })
    const toFresh = (await fresh.next()) as { peers: string[] }
    expect(toFresh.peers.slice(0, 2).sort()).toEqual([seedA.id, seedB.id].sort())
    expect(toFresh.peers[2]).toBe(partial.id)
    seedA.send({ type: 'lookup', cid: CID_A })
    expect(((await seedA.next()) as { peers: string[] }).peers.sort()).toEqual([partial.id, fresh.id].sort())
    seedA.send({ type: 'announce', cid: CID_A, complete: 'yes' })
    expect(await seedA.next()).toMatchObject({ type: 'error', code: 'bad-message' })
  })

  it('forwards signals between members of a swarm, stamped with the sender id', async () => {
    const a = await client()
    const b = await client()
    a.send({ type: 'announce', cid: CID_A })
    await a.next()
    b.send({ type: 'announce', cid: CID_A })
    await b.next()
    b.send({ type: 'signal', to: a.id, cid: CID_A, data: { type: 'offer', sdp: 'v=0' } })
    expect(await a.next()).toEqual({ type: 'signal', from: b.id, cid: CID_A, data: { type: 'offer', sdp: 'v=0' } })
  })

  it('refuses signals to a peer outside the swarm or unknown', async () => {
    const a = await client()
    const b = await client()
    b.send({ type: 'announce', cid: CID_B })
    await b.next()
    a.send({ type: 'signal', to: b.id, cid: CID_A, data: {} })
    expect(await a.next()).toMatchObject({ type: 'error', code: 'unknown-peer', ref: 'signal' })
    a.send({ type: 'signal', to: 'A'.repeat(22), cid: CID_B, data: {} })
    expect(await a.next()).toMatchObject({ type: 'error', code: 'unknown-peer' })
  })

  it('refuses signals from a connection outside the swarm, so a stranger who knows the CID cannot reach its members', async () => {
    const member = await client()
    const other = await client()
    const stranger = await client()
    for (const c of [member, other]) {
      c.send({ type: 'announce', cid: CID_A })
      await c.next()
    }
    stranger.send({ type: 'announce', cid: CID_B }) // a member of some swarm, not of this one
    await stranger.next()
    stranger.send({ type: 'signal', to: member.id, cid: CID_A, data: { type: 'offer', sdp: 'v=0' } })
    expect(await stranger.next()).toMatchObject({ type: 'error', code: 'not-in-swarm', ref: 'signal' })
    other.send({ type: 'signal', to: member.id, cid: CID_A, data: { type: 'offer', sdp: 'ok' } })
    expect(await member.next()).toEqual({ type: 'signal', from: other.id, cid: CID_A, data: { type: 'offer', sdp: 'ok' } })
  })

  it.each([
    ['not JSON', '{nope', /not valid JSON/],
    ['an array', '[1,2]', /JSON object/],
    ['an unknown type', { type: 'explode' }, /unknown message type/],
    ['a bad CID', { type: 'announce', cid: 'QmNotACid' }, /CIDv1/],
    ['a wrong field type', { type: 'signal', to: 5, cid: CID_A, data: {} }, /peer id/],
    ['deep nesting', JSON.stringify({ type: 'announce', cid: JSON.parse('['.repeat(500) + ']'.repeat(500)) }), /CIDv1/],
  ])('answers %s with a clear error and stays up', async (_, message, pattern) => {
    const a = await client()
    a.send(message)
    const reply = await a.next()
    expect(reply).toMatchObject({ type: 'error', code: 'bad-message' })
    expect((reply as { message: string }).message).toMatch(pattern)
    a.send({ type: 'announce', cid: CID_A })
    expect(await a.next()).toMatchObject({ type: 'peers' })
  })

  it('rejects binary messages and caps the swarms per connection', async () => {
    const a = await client()
    a.ws.send(Buffer.from([1, 2, 3]))
    expect(await a.next()).toMatchObject({ type: 'error', code: 'bad-message' })
    for (const ch of 'cde') {
      a.send({ type: 'announce', cid: 'bafkrei' + ch.repeat(52) })
      expect(await a.next()).toMatchObject({ type: 'peers' })
    }
    a.send({ type: 'announce', cid: CID_A })
    expect(await a.next()).toMatchObject({ type: 'error', code: 'too-many-swarms' })
  })

  it('refuses a text message over 64 KiB, closes on one over the frame limit, and keeps serving others', async () => {
    const a = await client()
    a.send('x'.repeat(100_000))
    expect(await a.next()).toMatchObject({ type: 'error', code: 'too-large' })
    const closed = new Promise<number>((resolve) => a.ws.on('close', (code) => resolve(code)))
    a.send('x'.repeat(300_000))
    expect(await closed).toBe(1009)
    const b = await client()
    b.send({ type: 'lookup', cid: CID_A })
    expect(await b.next()).toMatchObject({ type: 'peers' })
  })

  it('disconnects a client that keeps sending invalid messages', async () => {
    const a = await client()
    const closed = new Promise<number>((resolve) => a.ws.on('close', (code) => resolve(code)))
    for (let i = 0; i < 120; i++) a.send('garbage')
    expect(await closed).toBe(1008)
  })

  it('serves /healthz and the app with security headers, and never leaks a referrer', async () => {
    const health = await fetch(server.url + '/healthz')
    expect(await health.text()).toBe('ok\n')
    const page = await fetch(server.url + '/some/client/route')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>app</title>')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'")
    expect((await fetch(server.url + '/', { method: 'POST' })).status).toBe(405)
  })
})
