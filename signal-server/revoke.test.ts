import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { connectClient, useTestServers, type TestClient } from './test-client.js'
import { encodeManifestPart } from '../protocol/relay.js'
import { drop, sendTombstone } from './tombstone.fixtures.js'

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
