import { describe, expect, it } from 'vitest'
import { connectClient, useTestServers } from './test-client.js'
import { ed25519KeyPair, ownedDrop, sendMirrorList } from './mirror-list.fixtures.js'
import { drop, sendTombstone } from './tombstone.fixtures.js'

const { start, sockets } = useTestServers()
const MIRRORS = ['https://data.example.org/', 'http://127.0.0.1:9/']

describe('published mirror lists', () => {
  it('keeps the owner’s signed list and gives it to anyone who asks', async () => {
    const server = await start()
    const { manifest, cid, list } = ownedDrop()
    const owner = await connectClient(server, sockets)
    const stranger = await connectClient(server, sockets)
    stranger.send({ type: 'mirrors-get', cid })
    expect(await stranger.next()).toEqual({ type: 'mirrors', cid, list: null })
    const signed = await list(1000, MIRRORS)
    sendMirrorList(owner, cid, signed, manifest)
    expect(await owner.next()).toEqual({ type: 'mirrors', cid, list: signed })
    stranger.send({ type: 'mirrors-get', cid })
    expect(await stranger.next()).toEqual({ type: 'mirrors', cid, list: signed })
    // The owner's next list replaces it; so does an empty one (every mirror removed).
    const next = await list(1001, [])
    sendMirrorList(owner, cid, next, manifest)
    expect(await owner.next()).toEqual({ type: 'mirrors', cid, list: next })
    stranger.send({ type: 'mirrors-get', cid })
    expect(await stranger.next()).toEqual({ type: 'mirrors', cid, list: next })
  })

  it('refuses forged lists: a stranger’s key, the owner’s list for another drop, a drop without a mirror key, another manifest', async () => {
    const server = await start()
    const real = ownedDrop()
    const other = ownedDrop()
    const keyless = ownedDrop({ keyed: false })
    const forger = await connectClient(server, sockets)
    sendMirrorList(forger, real.cid, await real.list(5, MIRRORS, ed25519KeyPair().sign), real.manifest)
    expect(await forger.next()).toMatchObject({
      type: 'error',
      code: 'bad-mirror-list',
      ref: 'mirrors-publish',
      message: /not signed by the drop's owner/,
    })
    sendMirrorList(forger, real.cid, await other.list(5, MIRRORS), real.manifest)
    expect(await forger.next()).toMatchObject({ code: 'bad-mirror-list', message: /for another drop/ })
    expect(await forger.next()).toMatchObject({ code: 'bad-message', ref: 'revoke' }) // its manifest parts, orphaned
    expect(await forger.next()).toMatchObject({ code: 'bad-message' })
    sendMirrorList(forger, keyless.cid, await keyless.list(5, MIRRORS), keyless.manifest)
    expect(await forger.next()).toMatchObject({ code: 'bad-mirror-list', message: /without a mirror key/ })
    sendMirrorList(forger, real.cid, await real.list(5, MIRRORS), other.manifest)
    expect(await forger.next()).toMatchObject({ code: 'bad-mirror-list', message: /does not match the CID/ })
    forger.send({ type: 'mirrors-get', cid: real.cid })
    expect(await forger.next()).toEqual({ type: 'mirrors', cid: real.cid, list: null })
  })

  it('lets no stranger replace or hold back the owner’s list: replays of it and of older lists are refused, the owner’s newer one wins', async () => {
    const server = await start()
    const { manifest, cid, list } = ownedDrop()
    const owner = await connectClient(server, sockets)
    const older = await list(10, ['https://old.example/'])
    const current = await list(20, MIRRORS)
    sendMirrorList(owner, cid, current, manifest)
    expect(await owner.next()).toEqual({ type: 'mirrors', cid, list: current })
    const stranger = await connectClient(server, sockets)
    for (const replay of [older, current]) {
      sendMirrorList(stranger, cid, replay, manifest)
      expect(await stranger.next()).toMatchObject({ code: 'bad-mirror-list', message: /as new or newer \(number 20\)/ })
    }
    const newer = await list(21, [MIRRORS[1]])
    sendMirrorList(owner, cid, newer, manifest)
    expect(await owner.next()).toEqual({ type: 'mirrors', cid, list: newer })
    stranger.send({ type: 'mirrors-get', cid })
    expect(await stranger.next()).toEqual({ type: 'mirrors', cid, list: newer })
  })

  it('refuses malformed publishes, more manifest bytes than announced, and holds one address to its quota', async () => {
    const server = await start({ maxRevokesPerHour: 3 })
    const { manifest, cid, list } = ownedDrop({ metadataBytes: 16 })
    const c = await connectClient(server, sockets)
    const signed = await list(1, MIRRORS)
    for (const bad of [
      { type: 'mirrors-publish', cid, list: 'not base64url!', size: manifest.length },
      { type: 'mirrors-publish', cid, list: 'A'.repeat(10_000), size: manifest.length },
      { type: 'mirrors-publish', cid, list: signed, size: 0 },
      { type: 'mirrors-publish', cid: 'nope', list: signed, size: 10 },
      { type: 'mirrors-get', cid: 'nope' },
    ]) {
      c.send(bad)
      expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-message' })
    }
    c.send({ type: 'mirrors-publish', cid, list: 'AAAA', size: manifest.length }) // base64url, but no list
    expect(await c.next()).toMatchObject({ code: 'bad-mirror-list', message: /truncated/ })
    sendMirrorList(c, cid, signed, manifest, manifest.length - 1)
    expect(await c.next()).toMatchObject({ code: 'bad-mirror-list', message: /more manifest bytes/ })
    // A revoke between the publish and its parts takes the parts: the publish is abandoned, not mixed with the tombstone.
    const revocable = drop({ metadataBytes: 16 })
    c.send({ type: 'mirrors-publish', cid, list: signed, size: manifest.length })
    sendTombstone(c, revocable.cid, revocable.secret, revocable.manifest)
    expect(await c.next()).toEqual({ type: 'revoked', cid: revocable.cid, secret: revocable.secret })
    sendMirrorList(c, cid, signed, manifest)
    expect(await c.next()).toMatchObject({ code: 'rate-limited', ref: 'mirrors-publish' }) // the fourth publish this hour
    expect(await c.next()).toMatchObject({ code: 'bad-message', ref: 'revoke' }) // its manifest, orphaned
    c.send({ type: 'mirrors-get', cid })
    expect(await c.next()).toEqual({ type: 'mirrors', cid, list: null })
  })
})
