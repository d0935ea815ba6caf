/**
 * Routing between two RedisStates on a real redis-server: every message of a
 * turn reaches its own peer, byte for byte; a peer that left is no longer
 * routed to while a new one is; a route that names a swarm reaches only its
 * members; and a malformed payload on a process's channel
 * delivers nothing, not even garbage.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { Redis } from 'ioredis'
import { RedisState } from './redis.js'
import { encodeRouted } from './routed.js'
import { startRedis } from '../redis-fixture.js'

const newPeer = () => randomBytes(16).toString('base64url')
let redis: { url: string; stop(): Promise<void> }
const states: RedisState[] = []

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})
afterEach(async () => {
  for (const s of states.splice(0)) await s.close()
})

/** Two processes, A and B, and what B was handed to deliver. */
async function pair() {
  const [a, b] = [await RedisState.connect({ url: redis.url, ttlMs: 5_000 }), await RedisState.connect({ url: redis.url, ttlMs: 5_000 })]
  states.push(a, b)
  const atB: [string, string | Uint8Array][] = []
  b.onRouted((to, message) => atB.push([to, message]))
  return { a, b, atB }
}

describe('routing between processes through Redis', () => {
  it('delivers every message of one turn to its own peer, text and bytes intact, and refuses the peers it has not', async () => {
    const { a, b, atB } = await pair()
    // More than one script run takes (500): the turn is split, in order.
    const onB = Array.from({ length: 520 }, newPeer)
    const onA = newPeer()
    await Promise.all(onB.map((p) => b.connect(p)))
    await a.connect(onA)
    const binary = (i: number) => new Uint8Array(randomBytes(1 + (i % 200)))
    const sent = onB.map((p, i): [string, string | Uint8Array] => [p, i % 2 ? binary(i) : `{"n":${i},"é":"ü"}`])
    const results = await Promise.all([...sent.map(([to, m]) => a.route(to, m)), a.route(onA, 'to itself'), a.route(newPeer(), 'nobody')])
    expect(results).toEqual([...sent.map(() => true), false, false])
    await vi.waitFor(() => expect(atB).toHaveLength(sent.length))
    expect(atB).toEqual(sent)
  })

  it('stops routing to a peer that left, and routes to a new peer on the same process', async () => {
    const { a, b, atB } = await pair()
    const gone = newPeer()
    await b.connect(gone)
    expect(await a.route(gone, 'before')).toBe(true)
    await b.drop(gone)
    expect(await a.route(gone, 'after it left')).toBe(false)
    const fresh = newPeer()
    await b.connect(fresh)
    expect(await a.route(fresh, 'to the new one')).toBe(true)
    expect(await a.route(gone, 'still gone')).toBe(false)
    await vi.waitFor(() => expect(atB).toHaveLength(2))
    expect(atB).toEqual([
      [gone, 'before'],
      [fresh, 'to the new one'],
    ])
  })

  it('routes with a swarm named only to a member of it: not after it left, nor to a peer of another swarm', async () => {
    const { a, b, atB } = await pair()
    const [member, other] = [newPeer(), newPeer()]
    const [cid, elsewhere] = ['swarm-x', 'swarm-y']
    for (const p of [member, other]) await b.connect(p)
    await b.join(member, cid, false, 10)
    await b.join(other, elsewhere, false, 10)
    expect(
      await Promise.all([a.route(member, 'in it', cid), a.route(other, 'not in it', cid), a.route(member, 'wrong swarm', elsewhere)]),
    ).toEqual([true, false, false])
    await b.leave(member, cid)
    expect(await a.route(member, 'after it left', cid)).toBe(false)
    expect(await a.route(other, 'its own swarm', elsewhere)).toBe(true)
    await vi.waitFor(() => expect(atB).toHaveLength(2))
    expect(atB).toEqual([
      [member, 'in it'],
      [other, 'its own swarm'],
    ])
  })

  it('delivers nothing of a malformed payload on its channel, and goes on delivering the next ones', async () => {
    const { a, b, atB } = await pair()
    const peer = newPeer()
    await b.connect(peer)
    const raw = new Redis(redis.url)
    try {
      const good = encodeRouted(peer, 'fine')
      const channel = `sd:node:${b.nodeId}`
      // A frame claiming more bytes than follow; an unknown kind; a short header; an id that is no peer id.
      const tooLong = Buffer.from(good)
      tooLong.writeUInt32BE(1_000, 23)
      const badKind = Buffer.from(good)
      badKind[22] = 7
      const badId = Buffer.from(good)
      badId.write('../../sd:peer:*\u0000', 0, 'latin1')
      for (const payload of [tooLong, badKind, good.subarray(0, 20), badId, Buffer.concat([good, tooLong])])
        await raw.publish(channel, payload)
      expect(await a.route(peer, 'after them')).toBe(true)
      await vi.waitFor(() => expect(atB.at(-1)).toEqual([peer, 'after them']))
      expect(atB).toEqual([
        [peer, 'fine'],
        [peer, 'after them'],
      ])
    } finally {
      await raw.quit()
    }
  })
})
