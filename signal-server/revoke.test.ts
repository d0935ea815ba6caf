import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { connectClient, useTestServers, type TestClient } from './test-client.js'
import { encodeManifestPart } from '../protocol/relay.js'
import { drop, nonCanonical, sendTombstone } from './tombstone.fixtures.js'
import { MemoryState } from './state/memory.js'

const { start, sockets } = useTestServers()
async function swarmOf(n: number, cid: string) {
  const server = await start()
  const clients: TestClient[] = []
  for (let i = 0; i < n; i++) {
    const c = await connectClient(server, sockets)
    c.send({ type: 'announce', cid })
    await c.next()
    clients.push(c)
  }
  return { server, clients }
}

describe('revoke', () => {
  it('checks a tombstone against the manifest, tells every member, forgets the swarm and answers later with it', async () => {
    const { manifest, cid, secret } = drop()
    const { server, clients } = await swarmOf(3, cid)
    const [owner, ...others] = clients
    sendTombstone(owner, cid, secret, manifest)
    for (const c of clients) expect(await c.next()).toEqual({ type: 'revoked', cid, secret })
    const late = await connectClient(server, sockets)
    late.send({ type: 'announce', cid })
    expect(await late.next()).toEqual({ type: 'revoked', cid, secret })
    late.send({ type: 'lookup', cid })
    expect(await late.next()).toEqual({ type: 'revoked', cid, secret })
    // The swarm is gone: members can no longer signal each other through it.
    others[0].send({ type: 'signal', to: others[1].id, cid, data: { type: 'offer' } })
    expect(await others[0].next()).toMatchObject({ type: 'error', code: 'unknown-peer' })
  })

  it('refuses forged tombstones (wrong secret, another manifest, no revoke hash) and changes nothing', async () => {
    const real = drop()
    const other = drop()
    const plain = drop({ revocable: false })
    const { clients } = await swarmOf(2, real.cid)
    const [forger, member] = clients
    sendTombstone(forger, real.cid, randomBytes(32).toString('base64url'), real.manifest)
    expect(await forger.next()).toMatchObject({ type: 'error', code: 'bad-tombstone', message: /secret does not match/ })
    sendTombstone(forger, real.cid, other.secret, other.manifest)
    expect(await forger.next()).toMatchObject({ type: 'error', code: 'bad-tombstone', message: /does not match the CID/ })
    sendTombstone(forger, plain.cid, plain.secret, plain.manifest)
    expect(await forger.next()).toMatchObject({ type: 'error', code: 'bad-tombstone', message: /cannot be revoked/ })
    member.send({ type: 'lookup', cid: real.cid })
    expect(await member.next()).toEqual({ type: 'peers', cid: real.cid, peers: [forger.id] })
  })

  it('rejects manifest parts without a revoke message, more bytes than announced, and bad revoke messages', async () => {
    const { manifest, cid, secret } = drop()
    const { clients } = await swarmOf(1, cid)
    const [c] = clients
    c.ws.send(encodeManifestPart(Uint8Array.of(1, 2, 3)), { binary: true })
    expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-message', ref: 'revoke' })
    sendTombstone(c, cid, secret, manifest, 100)
    expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-tombstone', message: /more manifest bytes/ })
    expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-message', ref: 'revoke' }) // the second part, orphaned
    for (const bad of [
      { type: 'revoke', cid, secret: 'short', size: 10 },
      { type: 'revoke', cid, secret, size: 0 },
      { type: 'revoke', cid, secret, size: 1e12 },
      { type: 'revoke', cid: 'nope', secret, size: 10 },
    ]) {
      c.send(bad)
      expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-message' })
    }
    c.send({ type: 'lookup', cid })
    expect(await c.next()).toMatchObject({ type: 'peers' }) // still not revoked
  })
})

describe('revoke under attack', () => {
  it('keeps the recorded tombstone: the public secret re-sent in non-canonical base64url is refused, late peers get the canonical one', async () => {
    const { manifest, cid, secret } = drop()
    const { server, clients } = await swarmOf(2, cid)
    sendTombstone(clients[0], cid, secret, manifest)
    for (const c of clients) expect(await c.next()).toEqual({ type: 'revoked', cid, secret })
    // The secret is public now: anyone may re-send it, spelled so that a lenient decoder reads the same bytes.
    const twisted = nonCanonical(secret)
    expect(twisted).not.toBe(secret)
    expect(Buffer.from(twisted, 'base64url').equals(Buffer.from(secret, 'base64url'))).toBe(true)
    const attacker = await connectClient(server, sockets)
    sendTombstone(attacker, cid, twisted, manifest)
    expect(await attacker.next()).toMatchObject({ type: 'error', code: 'bad-message', message: /base64url/ })
    const late = await connectClient(server, sockets)
    late.send({ type: 'announce', cid })
    expect(await late.next()).toEqual({ type: 'revoked', cid, secret })
  })

  it('holds one address to its revoke quota: a flood of made-up drops is refused past it and leaves no tombstone', async () => {
    const server = await start({ maxRevokesPerHour: 3 })
    const stranger = await connectClient(server, sockets)
    const drops = Array.from({ length: 4 }, () => drop({ metadataBytes: 16 }))
    for (const d of drops.slice(0, 3)) {
      sendTombstone(stranger, d.cid, d.secret, d.manifest)
      expect(await stranger.next()).toEqual({ type: 'revoked', cid: d.cid, secret: d.secret })
    }
    const last = drops[3]
    const other = await connectClient(server, sockets) // same address: same quota
    for (const c of [stranger, other]) {
      sendTombstone(c, last.cid, last.secret, last.manifest)
      expect(await c.next()).toMatchObject({ type: 'error', code: 'rate-limited', ref: 'revoke' })
      expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-message', ref: 'revoke' }) // its manifest, orphaned
    }
    other.send({ type: 'lookup', cid: last.cid })
    expect(await other.next()).toMatchObject({ type: 'peers', cid: last.cid })
  })

  it('bounds the tombstones of drops no other peer was in, and never lets them push out a drop that had members', async () => {
    const server = await start({ maxUnsharedTombstones: 2, maxRevokesPerHour: 0 })
    const real = drop()
    const owner = await connectClient(server, sockets)
    const member = await connectClient(server, sockets)
    for (const c of [owner, member]) {
      c.send({ type: 'announce', cid: real.cid })
      await c.next()
    }
    sendTombstone(owner, real.cid, real.secret, real.manifest)
    expect(await owner.next()).toMatchObject({ type: 'revoked', cid: real.cid })
    const stranger = await connectClient(server, sockets)
    const made = Array.from({ length: 3 }, () => drop({ metadataBytes: 16 }))
    stranger.send({ type: 'announce', cid: made[0].cid }) // alone in it: the revoker itself does not count as a member
    await stranger.next()
    for (const d of made) {
      sendTombstone(stranger, d.cid, d.secret, d.manifest)
      expect(await stranger.next()).toMatchObject({ type: 'revoked', cid: d.cid })
    }
    const late = await connectClient(server, sockets)
    late.send({ type: 'lookup', cid: real.cid })
    expect(await late.next()).toEqual({ type: 'revoked', cid: real.cid, secret: real.secret })
    late.send({ type: 'lookup', cid: made[0].cid }) // the oldest member-less one made room
    expect(await late.next()).toEqual({ type: 'peers', cid: made[0].cid, peers: [] })
    late.send({ type: 'lookup', cid: made[2].cid })
    expect(await late.next()).toMatchObject({ type: 'revoked', cid: made[2].cid })
  })
})

describe('tombstones in memory', () => {
  const secret = (n: number) => Buffer.alloc(32, n).toString('base64url')
  const cid = (n: number) => 'bafkrei' + n.toString(32).padStart(52, 'a')

  it('never replaces a recorded tombstone', async () => {
    const state = new MemoryState()
    await state.revoke(cid(1), secret(1), 60_000, { revoker: 'p', maxUnshared: 10 })
    const again = await state.revoke(cid(1), secret(2), 60_000, { revoker: 'p', maxUnshared: 10 })
    expect(await state.tombstone(cid(1))).toBe(secret(1))
    expect(again).toMatchObject({ secret: secret(1), recorded: false })
  })

  it('keeps a drop that had members through 100,001 strangers’ tombstones', async () => {
    const state = new MemoryState()
    await state.join('member', cid(0), true, 10)
    await state.revoke(cid(0), secret(0), 60_000, { revoker: 'owner', maxUnshared: 10_000 })
    for (let i = 1; i <= 100_001; i++) await state.revoke(cid(i), secret(1), 60_000, { revoker: 'stranger', maxUnshared: 10_000 })
    expect(await state.tombstone(cid(0))).toBe(secret(0))
    expect(await state.tombstone(cid(100_001))).toBe(secret(1))
    expect(await state.tombstone(cid(1))).toBeUndefined()
  }, 30_000)
})
