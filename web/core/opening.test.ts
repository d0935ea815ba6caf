/**
 * Opening a link never changes what this browser already holds until the
 * link's secret has opened the content, and a failed attempt leaves only
 * what was there before: crafted links, forged owner parts and mistyped
 * passwords, each against a drop held before.
 */
import { describe, expect, it } from 'vitest'
import { MemorySignalingHub } from './signaling/memory-hub.js'
import { memoryStore } from './storage/memory-store.js'
import type { ChunkStore } from './storage/chunk-store.js'
import { memoryLibrary } from './library/library-store.js'
import { bytesSource } from './chunking/source.js'
import { isPasswordLink, parseAnyLink, parseLink } from './content/link.js'
import { type Cid, digestOfCid } from '../../format/cid.js'
import type { Manifest } from '../../format/manifest.js'
import { secretFromPassword } from './crypto/password.js'
import { toHex } from './util/bytes.js'
import { toBase64Url } from '../../format/bytes.js'
import { pseudoRandomBytes } from './util/random.js'
import { fileBytes, once } from './drop.fixtures.js'
import { crypto, useEngines } from './engine.fixtures.js'

const PIECE = 16 * 1024
const engine = useEngines()
const sha = async (b: Uint8Array) => toHex(await crypto.sha256(b))

/** Every stored byte of a drop (its manifest and its pieces), to compare before and after. */
async function storedBytes(store: ChunkStore, cid: Cid, manifest: Manifest): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {}
  for (const id of [digestOfCid(cid), ...manifest.pieceIds]) {
    const bytes = await store.drop(digestOfCid(cid)).get(id)
    out[toHex(id)] = bytes ? toHex(bytes) : null
  }
  return out
}

async function ownerOfStoppedDrop(options: { password?: string } = {}) {
  const hub = new MemorySignalingHub()
  const store = memoryStore()
  const library = memoryLibrary()
  const owner = engine(hub, { store, library })
  const content = pseudoRandomBytes(5 * (PIECE - 16), 61)
  const shared = await owner.share([bytesSource('mine.bin', content)], { pieceSize: PIECE, password: options.password })
  const { cid } = parseLink(shared.ownerFragment)
  const manifest = owner.drop(cid)!.swarm.manifest!
  await owner.setSeeding(cid, false) // "Stop sharing": not running, still held
  const record = await library.get(cid)
  const bytes = await storedBytes(store, cid, manifest)
  expect(Object.values(bytes)).not.toContain(null)
  return { hub, store, library, owner, content, shared, cid, manifest, record, bytes }
}

describe('opening a link', () => {
  it('with a wrong secret and a forged owner part changes nothing of a held drop, and its owner can still revoke it', async () => {
    const held = await ownerOfStoppedDrop()
    const opened = await held.owner.open({ cid: held.cid, secret: pseudoRandomBytes(32, 62), revokeSecret: pseudoRandomBytes(32, 63) })
    await expect(once(opened, 'complete')).rejects.toThrow(/does not open/)
    expect(opened.state.failure?.kind).toBe('wrong-secret')
    expect(await held.library.get(held.cid)).toEqual(held.record)
    expect(await storedBytes(held.store, held.cid, held.manifest)).toEqual(held.bytes)
    // The drop is whole and still the owner's: shared again, downloaded, then revoked everywhere.
    await held.owner.setSeeding(held.cid, true)
    const receiver = engine(held.hub)
    const download = await receiver.open(parseLink(held.shared.fragment))
    await once(download, 'complete')
    expect(await sha(await fileBytes(download))).toBe(await sha(held.content))
    await held.owner.revoke(held.cid)
    await expect.poll(() => receiver.library()).toEqual([])
  })

  it('keeps a revoke secret from a link only if it is the drop’s: a forged owner part on the right secret replaces nothing', async () => {
    const held = await ownerOfStoppedDrop()
    const forged = { ...parseLink(held.shared.fragment), revokeSecret: pseudoRandomBytes(32, 64) }
    const opened = await held.owner.open(forged)
    await once(opened, 'complete')
    expect(await held.library.get(held.cid)).toMatchObject({
      revokeSecret: held.record!.revokeSecret,
      secret: held.record!.secret,
      role: 'shared',
    })
    // A receiver given the forged owner link gets the drop, not the power to revoke it…
    const receiver = engine(held.hub)
    await once(await receiver.open(forged), 'complete')
    expect((await receiver.library())[0].revokeSecret).toBeUndefined()
    await expect(receiver.revoke(held.cid)).rejects.toThrow(/Only the owner/)
    // …and the real owner link, opened on the drop already running there, does give it.
    await receiver.open(parseLink(held.shared.ownerFragment))
    await expect
      .poll(async () => (await receiver.library())[0].revokeSecret)
      .toBe(toBase64Url(parseLink(held.shared.ownerFragment).revokeSecret!))
  })

  it('with the owner’s mistyped password fails as a wrong secret and leaves the owner’s running drop alone', async () => {
    const hub = new MemorySignalingHub()
    const store = memoryStore()
    const library = memoryLibrary()
    const owner = engine(hub, { store, library })
    const content = pseudoRandomBytes(3 * (PIECE - 16), 65)
    const { fragment, drop: transfer } = await owner.share([bytesSource('p.bin', content)], { pieceSize: PIECE, password: 'open sesame' })
    const target = parseAnyLink(fragment)
    if (!isPasswordLink(target)) throw new Error('expected a password link')
    const record = await library.get(target.cid)
    const attempt = await owner.open({ cid: target.cid, secret: await secretFromPassword('open sesane', target.salt) })
    await expect(once(attempt, 'complete')).rejects.toThrow(/does not open/)
    expect(owner.drop(target.cid)).toBe(transfer)
    expect(transfer.state).toMatchObject({ phase: 'complete', role: 'sharing', failure: null })
    expect(await library.get(target.cid)).toEqual(record)
    expect(await sha(await fileBytes(transfer))).toBe(await sha(content))
  }, 20_000)

  it('with a wrong password on a drop not held leaves nothing behind, and the right one then opens it', async () => {
    const hub = new MemorySignalingHub()
    const sharer = engine(hub)
    const content = pseudoRandomBytes(4 * (PIECE - 16), 66)
    const { fragment } = await sharer.share([bytesSource('q.bin', content)], { pieceSize: PIECE, password: 'right' })
    const target = parseAnyLink(fragment)
    if (!isPasswordLink(target)) throw new Error('expected a password link')
    const store = memoryStore()
    const library = memoryLibrary()
    const receiver = engine(hub, { store, library })
    const wrong = await receiver.open({ cid: target.cid, secret: await secretFromPassword('wrong', target.salt) })
    await expect(once(wrong, 'complete')).rejects.toThrow(/does not open/)
    await expect.poll(() => receiver.library()).toEqual([])
    expect(await store.drop(digestOfCid(target.cid)).has(digestOfCid(target.cid))).toBe(false)
    const right = await receiver.open({ cid: target.cid, secret: await secretFromPassword('right', target.salt) })
    await once(right, 'complete')
    expect(await sha(await fileBytes(right))).toBe(await sha(content))
    expect(await library.get(target.cid)).toMatchObject({ role: 'downloaded', name: 'q.bin' })
  }, 20_000)
})
