/**
 * The engine's library bookkeeping over a memory store: what a record keeps,
 * when `changed` is said, and that only a drop's own revoke secret is kept.
 */
import { describe, expect, it } from 'vitest'
import { memoryLibrary } from './library-store.js'
import { Library } from './library.js'
import { memoryStore } from '../storage/memory-store.js'
import { bytesSource } from '../chunking/source.js'
import { ingest } from '../chunking/ingest.js'
import { webCryptoProvider } from '../crypto/provider.js'
import { newRevokeSecret, revokeHashOf } from '../../../format/tombstone.js'
import { toBase64Url } from '../../../format/bytes.js'
import { digestOfCid, cidFromDigest } from '../../../format/cid.js'
import { pseudoRandomBytes } from '../util/random.js'

const crypto = webCryptoProvider()

async function setup() {
  const revokeSecret = newRevokeSecret((bytes) => globalThis.crypto.getRandomValues(bytes))
  const made = await ingest([bytesSource('a.bin', pseudoRandomBytes(20_000, 3))], {
    crypto,
    store: memoryStore(),
    pieceSize: 16_384,
    revokeHash: await revokeHashOf(crypto, revokeSecret),
  })
  let now = 1_000
  const library = new Library(memoryLibrary(), crypto, () => now)
  let changes = 0
  library.events.on('changed', () => changes++)
  return { made, revokeSecret, library, changes: () => changes, setNow: (t: number) => (now = t) }
}

describe('Library', () => {
  it('remembers a drop once, keeping what it knew, and says changed only when something did', async () => {
    const { made, library, changes, setNow } = await setup()
    await library.remember(made.cid, 'pinned', { replicas: 2 })
    expect(await library.get(made.cid)).toMatchObject({ role: 'pinned', secret: null, replicas: 2, addedAt: 1_000, seeding: true })
    setNow(5_000)
    await library.remember(made.cid, 'downloaded', { replicas: 2 })
    expect(changes()).toBe(1) // nothing new: no write, no event
    await library.rename(made.cid, 'a.bin', 20_000)
    await library.rename(made.cid, 'a.bin', 20_000)
    expect(changes()).toBe(2)
    expect(await library.get(made.cid)).toMatchObject({ role: 'pinned', name: 'a.bin', totalBytes: 20_000, addedAt: 1_000 })
  })

  it('keeps a link’s revoke secret only if it is this drop’s', async () => {
    const { made, revokeSecret, library } = await setup()
    await library.admitted({ cid: made.cid, secret: made.secret, revokeSecret: pseudoRandomBytes(32, 4) }, made.manifest)
    expect(await library.get(made.cid)).toMatchObject({ role: 'downloaded', secret: toBase64Url(made.secret), revokeSecret: undefined })
    await library.admitted({ cid: made.cid, secret: made.secret, revokeSecret }, made.manifest)
    expect((await library.get(made.cid))?.revokeSecret).toBe(toBase64Url(revokeSecret))
  })

  it('finds a manifest that lists a held drop’s manifest as a piece', async () => {
    const { made, library } = await setup()
    await library.remember(made.cid, 'downloaded', {})
    const other = cidFromDigest(pseudoRandomBytes(32, 5))
    expect(await library.listsHeldManifest(other, made.manifest)).toBe(false)
    const crafted = { ...made.manifest, pieceIds: [...made.manifest.pieceIds, digestOfCid(made.cid)] }
    expect(await library.listsHeldManifest(other, crafted)).toBe(true)
  })

  it('stops and resumes seeding, deletes, and says changed when told the drop has started', async () => {
    const { made, library, changes } = await setup()
    expect(await library.setSeeding(made.cid, false)).toBeUndefined()
    await library.remember(made.cid, 'downloaded', {})
    expect(await library.setSeeding(made.cid, false)).toMatchObject({ seeding: false })
    expect(changes()).toBe(1) // the caller says changed once the drop has stopped
    library.changed()
    await library.delete(made.cid)
    expect(await library.list()).toEqual([])
    expect(changes()).toBe(3)
  })
})
