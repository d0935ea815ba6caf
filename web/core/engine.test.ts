/**
 * Engines together in one process: an in-process signaling hub, in-memory
 * links negotiated through signals, memory stores and libraries. The same
 * share → link → download → seed path as the browser, without one.
 */
import { describe, expect, it } from 'vitest'
import { MemorySignalingHub } from './signaling/memory-hub.js'
import { memoryStore } from './storage/memory-store.js'
import type { ChunkStore } from './storage/chunk-store.js'
import { memoryLibrary } from './library/library-store.js'
import { bytesSource } from './chunking/source.js'
import { isPasswordLink, parseAnyLink, parseLink } from './content/link.js'
import { secretFromPassword } from './crypto/password.js'
import { digestOfCid } from '../../format/cid.js'
import { toHex } from './util/bytes.js'
import { toBase64Url } from '../../format/bytes.js'
import { errorOf, fileBytes, once, waitFor } from './drop.fixtures.js'
import { pseudoRandomBytes } from './util/random.js'
import { crypto, useEngines } from './engine.fixtures.js'

const PIECE = 64 * 1024
const engine = useEngines()

const sha = async (b: Uint8Array) => toHex(await crypto.sha256(b))
/** What `store` holds of one drop. */
const held = (store: ChunkStore, cid: string) => store.drop(digestOfCid(cid))

describe('engine', () => {
  it('shares files and another engine downloads them by link, names and bytes intact', async () => {
    const hub = new MemorySignalingHub()
    const a = engine(hub)
    const b = engine(hub)
    const one = pseudoRandomBytes(300_000, 1)
    const two = pseudoRandomBytes(5, 2)
    const { fragment } = await a.share([bytesSource('docs/one.bin', one), bytesSource('two.txt', two, 'text/plain')], { pieceSize: PIECE })
    const transfer = await b.open(parseLink(fragment))
    await once(transfer, 'complete')
    const s = transfer.state
    expect(s.files!.map((f) => [f.path, f.size, f.type])).toEqual([
      ['docs/one.bin', 300_000, 'application/octet-stream'],
      ['two.txt', 5, 'text/plain'],
    ])
    expect(await sha(await fileBytes(transfer, 0))).toBe(await sha(one))
    expect(await fileBytes(transfer, 1)).toEqual(two)
    expect(s.fileBytesDone).toEqual([300_000, 5]) // per-file progress kept up with the pieces
    expect((await b.library())[0]).toMatchObject({ role: 'downloaded', name: '2 files', totalBytes: 300_005, seeding: true })
  })

  it('serves its library again after a restart of the app', async () => {
    const hub = new MemorySignalingHub()
    const store = memoryStore()
    const library = memoryLibrary()
    const first = engine(hub, { store, library })
    const content = pseudoRandomBytes(200_000, 3)
    const { fragment } = await first.share([bytesSource('a.bin', content)], { pieceSize: PIECE })
    first.close()
    const reopened = engine(hub, { store, library })
    await reopened.restoreLibrary()
    expect(reopened.drop(parseLink(fragment).cid)?.state.role).toBe('sharing')
    const b = engine(hub)
    const transfer = await b.open(parseLink(fragment))
    await once(transfer, 'complete')
    expect(await sha(await fileBytes(transfer))).toBe(await sha(content))
  })

  it('resumes a partial download from stored pieces and fetches only what is missing', async () => {
    const hub = new MemorySignalingHub()
    const a = engine(hub)
    const content = pseudoRandomBytes(40 * (PIECE - 16), 4)
    const { fragment } = await a.share([bytesSource('big.bin', content)], { pieceSize: PIECE })
    const store = memoryStore()
    const library = memoryLibrary()
    const slow = engine(hub, { store, library, link: { bytesPerSecond: 2 * 1024 * 1024 } })
    const partial = await slow.open(parseLink(fragment))
    await waitFor(partial, (s) => s.piecesDone >= 20)
    slow.close()
    const resumed = engine(hub, { store, library })
    const transfer = await resumed.open(parseLink(fragment))
    const heldAtStart = transfer.swarm.have!.count
    expect(heldAtStart).toBeGreaterThanOrEqual(20)
    await once(transfer, 'complete')
    expect(await sha(await fileBytes(transfer))).toBe(await sha(content))
    const size = 40 * PIECE
    console.log(`resume: held ${heldAtStart}/40 pieces, fetched ${transfer.swarm.bytesDown} of ${size} bytes after restart`)
    expect(transfer.swarm.bytesDown).toBeLessThanOrEqual(size - heldAtStart * PIECE + 2 * PIECE)
  })

  it('keeps transferring over open connections while the signaling server restarts, then rejoins', async () => {
    const hub = new MemorySignalingHub()
    const a = engine(hub)
    const content = pseudoRandomBytes(30 * (PIECE - 16), 5)
    const { fragment } = await a.share([bytesSource('c.bin', content)], { pieceSize: PIECE })
    const b = engine(hub, { link: { bytesPerSecond: 1024 * 1024 } })
    const transfer = await b.open(parseLink(fragment))
    await waitFor(transfer, (s) => s.piecesDone >= 3)
    hub.restart(300)
    expect(b.signaling.status).toBe('connecting')
    await once(transfer, 'complete')
    expect(await sha(await fileBytes(transfer))).toBe(await sha(content))
    expect(b.signaling.status).toBe('open')
  })

  it('stops seeding on request and deletes every piece on remove', async () => {
    const hub = new MemorySignalingHub()
    const store = memoryStore()
    const a = engine(hub, { store })
    const { fragment } = await a.share([bytesSource('d.bin', pseudoRandomBytes(150_000, 6))], { pieceSize: PIECE })
    const { cid } = parseLink(fragment)
    const manifest = a.drop(cid)!.swarm.manifest!
    await a.setSeeding(cid, false)
    expect(a.drop(cid)).toBeUndefined()
    expect((await a.library())[0].seeding).toBe(false)
    expect(await held(store, cid).has(manifest.pieceIds[0])).toBe(true)
    await a.remove(cid)
    expect(await a.library()).toEqual([])
    for (const id of manifest.pieceIds) expect(await held(store, cid).has(id)).toBe(false)
    expect(await held(store, cid).has(digestOfCid(cid))).toBe(false)
  })

  it('refuses to start a download that does not fit, saying how much it needs', async () => {
    const hub = new MemorySignalingHub()
    const a = engine(hub)
    const { fragment } = await a.share([bytesSource('e.bin', pseudoRandomBytes(100_000, 7))], { pieceSize: PIECE })
    const b = engine(hub, { checkSpace: async (needed) => `needs ${needed} bytes, only 10 free` })
    const transfer = await b.open(parseLink(fragment))
    await expect(once(transfer, 'complete')).rejects.toThrow(/needs 131072 bytes, only 10 free/)
    expect(transfer.swarm.have!.count).toBe(0)
  })

  it('falls back to the server relay when a direct connection cannot open', async () => {
    const hub = new MemorySignalingHub({ enabled: true, afterMs: 200 })
    const a = engine(hub, { link: { unreachable: true } })
    const b = engine(hub, { link: { unreachable: true } })
    const content = pseudoRandomBytes(20 * (PIECE - 16), 8)
    const { fragment } = await a.share([bytesSource('r.bin', content)], { pieceSize: PIECE })
    const transfer = await b.open(parseLink(fragment))
    await once(transfer, 'complete')
    expect(await sha(await fileBytes(transfer))).toBe(await sha(content))
    expect(transfer.state.peers.map((p) => p.kind)).toEqual(['relay'])
    expect(transfer.state.relayedBytes).toBeGreaterThan(content.length)
    expect(hub.relayedBytes).toBeGreaterThan(content.length)
  })

  it('upgrades a relayed link to direct when the direct connection opens later', async () => {
    const hub = new MemorySignalingHub({ enabled: true, afterMs: 50 })
    const a = engine(hub, { link: { delayMs: 400 } })
    const b = engine(hub, { link: { delayMs: 400, bytesPerSecond: 2 * 1024 * 1024 } })
    const content = pseudoRandomBytes(60 * (PIECE - 16), 9)
    const { fragment } = await a.share([bytesSource('u.bin', content)], { pieceSize: PIECE })
    const transfer = await b.open(parseLink(fragment))
    // Relayed first (the relay opens after 50 ms, the direct path after 400 ms), then moved to direct.
    await waitFor(transfer, (s) => s.peers[0]?.kind === 'memory')
    await once(transfer, 'complete')
    expect(await sha(await fileBytes(transfer))).toBe(await sha(content))
    expect(transfer.state.peers.map((p) => p.kind)).toEqual(['memory'])
    expect(transfer.state.relayedBytes).toBeGreaterThan(0)
  })

  it('mixes direct and relayed peers in one download', async () => {
    const hub = new MemorySignalingHub({ enabled: true, afterMs: 100 })
    const content = pseudoRandomBytes(80 * (PIECE - 16), 10)
    const direct = engine(hub)
    const secretHolder = await direct.share([bytesSource('m.bin', content)], { pieceSize: PIECE })
    const relayedOnly = engine(hub, { link: { unreachable: true } })
    await once(await relayedOnly.open(parseLink(secretHolder.fragment)), 'complete')
    const b = engine(hub, { link: { bytesPerSecond: 4 * 1024 * 1024 } })
    const transfer = await b.open(parseLink(secretHolder.fragment))
    await once(transfer, 'complete')
    expect(await sha(await fileBytes(transfer))).toBe(await sha(content))
    const kinds = transfer.state.peers.map((p) => p.kind).sort()
    expect(kinds).toEqual(['memory', 'relay'])
    for (const p of transfer.state.peers) expect(p.bytesDown, p.kind).toBeGreaterThan(0)
  })

  it('shares behind a password: the right one opens it, a wrong one fails as a wrong secret', async () => {
    const hub = new MemorySignalingHub()
    const a = engine(hub)
    const content = pseudoRandomBytes(100_000, 12)
    const { fragment } = await a.share([bytesSource('secret.pdf', content)], { pieceSize: PIECE, password: 'correct horse' })
    const target = parseAnyLink(fragment)
    if (!isPasswordLink(target)) throw new Error('expected a password link')
    expect(fragment).not.toContain(toBase64Url(await secretFromPassword('correct horse', target.salt)))
    const wrong = engine(hub)
    const failed = await wrong.open({ cid: target.cid, secret: await secretFromPassword('wrong horse', target.salt) })
    await expect(once(failed, 'complete')).rejects.toThrow(/does not open/)
    expect(failed.state.failure?.kind).toBe('wrong-secret')
    const right = engine(hub)
    const transfer = await right.open({ cid: target.cid, secret: await secretFromPassword('correct horse', target.salt) })
    await once(transfer, 'complete')
    expect(await sha(await fileBytes(transfer))).toBe(await sha(content))
  }, 20_000)

  it('honours expiry: a late downloader is told the link expired, and holders delete the pieces', async () => {
    const hub = new MemorySignalingHub()
    let clock = Date.now()
    const store = memoryStore()
    const a = engine(hub, { store, now: () => clock })
    const expiresAt = clock + 60_000
    const { fragment } = await a.share([bytesSource('soon-gone.txt', pseudoRandomBytes(50_000, 13))], { pieceSize: PIECE, expiresAt })
    const manifest = a.drop(parseLink(fragment).cid)!.swarm.manifest!
    expect(manifest.expiresAt).toBe(expiresAt)
    const late = engine(hub, { now: () => expiresAt + 1 })
    const transfer = await late.open(parseLink(fragment))
    await expect(once(transfer, 'complete')).rejects.toThrow(/expired/)
    expect(transfer.state.failure?.kind).toBe('expired')
    clock = expiresAt + 1 // the sharer's clock passes the expiry: its next check removes the drop
    await expect.poll(() => a.drop(parseLink(fragment).cid), { timeout: 5_000 }).toBeUndefined()
    await expect.poll(() => a.library()).toEqual([])
    for (const id of manifest.pieceIds) expect(await held(store, parseLink(fragment).cid).has(id)).toBe(false)
  })

  it('revokes everywhere: the owner’s tombstone deletes the drop from every holder, later openers are told', async () => {
    const hub = new MemorySignalingHub()
    const stores = [memoryStore(), memoryStore(), memoryStore()]
    const [owner, b, c] = stores.map((store) => engine(hub, { store }))
    const { fragment, ownerFragment } = await owner.share([bytesSource('r.bin', pseudoRandomBytes(200_000, 21))], { pieceSize: PIECE })
    const target = parseLink(fragment)
    const manifest = owner.drop(target.cid)!.swarm.manifest!
    const downloads = [await b.open(target), await c.open(target)]
    await Promise.all(downloads.map((t) => once(t, 'complete')))
    expect(parseLink(ownerFragment).revokeSecret).toBeDefined()
    await owner.revoke(target.cid)
    for (const t of downloads) await once(t, 'revoked')
    for (const e of [owner, b, c]) {
      await expect.poll(() => e.drop(target.cid)).toBeUndefined() // after the tombstone has gone out to peers
      await expect.poll(() => e.library()).toEqual([]) // deleted just after the page is told
    }
    for (const store of stores) {
      expect(await held(store, target.cid).has(digestOfCid(target.cid))).toBe(false)
      for (const id of manifest.pieceIds) expect(await held(store, target.cid).has(id)).toBe(false)
    }
    const late = await engine(hub).open(target)
    await once(late, 'revoked')
    expect(errorOf(late)).toMatch(/stopped sharing/)
  })

  it('ignores forged tombstones: a wrong revoke secret is refused, a lying server is not believed', async () => {
    const hub = new MemorySignalingHub()
    const store = memoryStore()
    const owner = engine(hub)
    const { fragment } = await owner.share([bytesSource('f.bin', pseudoRandomBytes(100_000, 22))], { pieceSize: PIECE })
    const target = parseLink(fragment)
    const manifest = owner.drop(target.cid)!.swarm.manifest!
    const b = engine(hub, { store })
    const download = await b.open(target)
    await once(download, 'complete')
    const forger = engine(hub)
    // A holder of the ordinary link is not the owner…
    await expect(b.revoke(target.cid)).rejects.toThrow(/Only the owner/)
    // …and a tombstone with a made-up secret is refused by the (in-process) server.
    const refused = new Promise((resolve) => forger.signaling.events.on('error', resolve))
    forger.signaling.revoke(
      target.cid,
      toBase64Url(pseudoRandomBytes(32, 23)),
      (await held(store, target.cid).get(digestOfCid(target.cid)))!,
    )
    expect(await refused).toMatchObject({ code: 'bad-tombstone', ref: 'revoke' })
    // A server that sends a 'revoked' with a wrong secret anyway is checked against the manifest and ignored.
    hub.sendRevoked(target.cid, toBase64Url(pseudoRandomBytes(32, 24)))
    await waitFor(download, (s) => /ignored a tombstone from a server/.test(s.warnings.join())) // checked, then ignored
    expect(download.state).toMatchObject({ phase: 'complete', failure: null })
    // A peer's forged TOMBSTONE frame is checked the same way.
    owner.drop(target.cid)!.swarm.sendTombstone(pseudoRandomBytes(32, 25))
    await waitFor(download, (s) => /ignored a tombstone from a peer/.test(s.warnings.join()))
    expect(download.state).toMatchObject({ phase: 'complete', failure: null })
    for (const id of manifest.pieceIds) expect(await held(store, target.cid).has(id)).toBe(true)
    expect(await b.library()).toHaveLength(1)
  })

  it('lets an owner link revoke from another device', async () => {
    const hub = new MemorySignalingHub()
    const laptop = engine(hub)
    const { fragment, ownerFragment } = await laptop.share([bytesSource('o.bin', pseudoRandomBytes(80_000, 25))], { pieceSize: PIECE })
    const receiver = engine(hub)
    const download = await receiver.open(parseLink(fragment))
    await once(download, 'complete')
    laptop.close() // the sharer's laptop is gone; the owner link is opened on a phone
    const phone = engine(hub)
    const onPhone = await phone.open(parseLink(ownerFragment))
    await once(onPhone, 'complete')
    expect((await phone.library())[0].revokeSecret).toBe(toBase64Url(parseLink(ownerFragment).revokeSecret!))
    await phone.revoke(onPhone.cid)
    await once(download, 'revoked')
    await expect.poll(() => receiver.library()).toEqual([])
  })

  it('holds a drop blind by CID alone, and serves it after the sharer has gone', async () => {
    const hub = new MemorySignalingHub()
    const sharer = engine(hub)
    const content = pseudoRandomBytes(250_000, 31)
    const { fragment } = await sharer.share([bytesSource('kept.bin', content)], { pieceSize: PIECE })
    const { cid } = parseLink(fragment)
    const pin = engine(hub)
    const held = await pin.hold(cid, 2)
    await once(held, 'complete')
    expect(held.state).toMatchObject({ role: 'pinning', files: null, name: null })
    expect((await pin.library())[0]).toMatchObject({ cid, role: 'pinned', secret: null, replicas: 2 })
    sharer.close()
    const late = await engine(hub).open(parseLink(fragment))
    await once(late, 'complete')
    expect(await sha(await fileBytes(late))).toBe(await sha(content))
  })

  it('passes a revocation from peer to peer when the server did not tell everyone', async () => {
    const hub = new MemorySignalingHub()
    hub.forwardsRevocations = false
    const stores = [memoryStore(), memoryStore(), memoryStore()]
    const [owner, b, c] = stores.map((store) => engine(hub, { store }))
    const { fragment } = await owner.share([bytesSource('p2p.bin', pseudoRandomBytes(150_000, 26))], { pieceSize: PIECE })
    const target = parseLink(fragment)
    const downloads = [await b.open(target), await c.open(target)]
    await Promise.all(downloads.map((t) => once(t, 'complete')))
    await owner.revoke(target.cid)
    for (const t of downloads) await once(t, 'revoked')
    for (const e of [b, c]) await expect.poll(() => e.library()).toEqual([])
    for (const store of stores) expect(await held(store, target.cid).has(digestOfCid(target.cid))).toBe(false)
  })
})
