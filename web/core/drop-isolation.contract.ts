/**
 * Drops do not reach into each other, whatever store holds them. A stranger
 * who knows a held drop's CID crafts a drop of their own that lists its
 * pieces (and maybe its manifest), serves it, and has this browser open it;
 * then removes, revokes or expires it. The held drop must come through byte
 * for byte, and the stranger must learn nothing of it from HELLO/HAVE.
 * Each store's test file runs this with its own store (memory, disk, IndexedDB).
 */
import { describe, expect, it } from 'vitest'
import type { Engine } from './engine.js'
import { MemorySignalingHub } from './signaling/memory-hub.js'
import { memoryStore } from './storage/memory-store.js'
import type { ChunkStore } from './storage/chunk-store.js'
import { memoryLibrary } from './library/library-store.js'
import { bytesSource } from './chunking/source.js'
import { parseLink } from './content/link.js'
import { digestOfCid } from '../../format/cid.js'
import { toHex } from './util/bytes.js'
import { toBase64Url } from '../../format/bytes.js'
import { pseudoRandomBytes } from './util/random.js'
import { fileBytes, once } from './drop.fixtures.js'
import { type CraftedDrop, craftDrop } from './crafted-drop.fixtures.js'
import { crypto, useEngines } from './engine.fixtures.js'

const PIECE = 16 * 1024
const sha = async (b: Uint8Array) => toHex(await crypto.sha256(b))

export function dropIsolationContract(name: string, makeStore: () => Promise<ChunkStore>): void {
  describe(`drops stay apart: ${name}`, () => {
    const engine = useEngines()

    /** A browser that shares a drop, and what it needs to check the drop later. */
    async function holdingBrowser() {
      const hub = new MemorySignalingHub()
      const store = await makeStore()
      const library = memoryLibrary()
      const victim = engine(hub, { store, library })
      const content = pseudoRandomBytes(6 * (PIECE - 16), 51)
      const { fragment } = await victim.share([bytesSource('held.bin', content)], { pieceSize: PIECE })
      const held = parseLink(fragment)
      const manifest = victim.drop(held.cid)!.swarm.manifest!
      return { hub, store, library, victim, content, held, manifest, digest: digestOfCid(held.cid) }
    }

    /** The stranger: holds the crafted manifest and its one own piece, and serves them. */
    async function stranger(hub: MemorySignalingHub, crafted: CraftedDrop, now?: () => number): Promise<Engine> {
      const store = memoryStore()
      await store.drop(digestOfCid(crafted.cid)).putMany([
        [digestOfCid(crafted.cid), crafted.bytes],
        [crafted.own.id, crafted.own.bytes],
      ])
      const attacker = engine(hub, { store, now })
      await attacker.hold(crafted.cid)
      return attacker
    }

    /** The held drop reads back byte for byte, now and after the app restarts on the same store. */
    async function expectIntact(setup: Awaited<ReturnType<typeof holdingBrowser>>) {
      const { hub, store, library, victim, content, held } = setup
      const running = victim.drop(held.cid)!
      expect(running.state.phase).toBe('complete')
      expect(await sha(await fileBytes(running))).toBe(await sha(content))
      victim.close()
      const restarted = engine(hub, { store, library })
      await restarted.restoreLibrary()
      const again = restarted.drop(held.cid)!
      await once(again, 'complete')
      expect(await sha(await fileBytes(again))).toBe(await sha(content))
    }

    /** Opens the crafted drop and waits until the stranger has heard what this browser holds of it. */
    async function openCrafted(setup: Awaited<ReturnType<typeof holdingBrowser>>, crafted: CraftedDrop, attacker: Engine) {
      const opened = await setup.victim.open({ cid: crafted.cid, secret: crafted.secret })
      const seen = () => attacker.drop(crafted.cid)!.swarm.peers()[0]?.pieces ?? 0
      await expect.poll(seen).toBeGreaterThan(0) // the stranger's own piece, fetched and announced
      expect(seen()).toBe(1) // …and nothing of the held drop
      return opened
    }

    for (const [how, end] of [
      ['removed', (s: Awaited<ReturnType<typeof holdingBrowser>>, c: CraftedDrop) => s.victim.remove(c.cid)],
      [
        'revoked by its maker',
        async (_: unknown, c: CraftedDrop, attacker: Engine) => attacker.signaling.revoke(c.cid, toBase64Url(c.revokeSecret), c.bytes),
      ],
    ] as const) {
      it(`a crafted drop listing a held drop's pieces learns nothing of it, and being ${how} leaves the held drop whole`, async () => {
        const setup = await holdingBrowser()
        const crafted = await craftDrop(crypto, setup)
        const attacker = await stranger(setup.hub, crafted)
        await openCrafted(setup, crafted, attacker)
        await end(setup, crafted, attacker)
        await expect.poll(async () => (await setup.victim.library()).map((r) => r.cid)).toEqual([setup.held.cid])
        expect(setup.victim.drop(crafted.cid)).toBeUndefined()
        await expectIntact(setup)
      })
    }

    it('a crafted drop whose expiry has already passed is deleted without touching the held drop', async () => {
      const setup = await holdingBrowser()
      const expiresAt = Date.now() - 1_000
      const crafted = await craftDrop(crypto, setup, { expiresAt })
      const attacker = await stranger(setup.hub, crafted, () => expiresAt - 60_000) // its maker's clock keeps serving it
      const opened = await setup.victim.open({ cid: crafted.cid, secret: crafted.secret })
      await expect(once(opened, 'complete')).rejects.toThrow(/expired/)
      await expect.poll(async () => (await setup.victim.library()).map((r) => r.cid)).toEqual([setup.held.cid])
      expect(attacker.drop(crafted.cid)!.swarm.peers()[0]?.pieces ?? 0).toBe(0)
      await expectIntact(setup)
    })

    it('refuses a manifest that lists a held drop’s manifest as a piece, with a clear error, and keeps the held drop', async () => {
      const setup = await holdingBrowser()
      const crafted = await craftDrop(crypto, setup, { listVictimManifest: true })
      const attacker = await stranger(setup.hub, crafted)
      const opened = await setup.victim.open({ cid: crafted.cid, secret: crafted.secret })
      await expect(once(opened, 'complete')).rejects.toThrow(/lists the manifest of a drop this browser holds/)
      expect(opened.state.failure?.kind).toBe('invalid-content')
      expect(attacker.drop(crafted.cid)!.swarm.peers()[0]?.pieces ?? 0).toBe(0)
      await setup.victim.remove(crafted.cid)
      expect((await setup.victim.library()).map((r) => r.cid)).toEqual([setup.held.cid])
      await expectIntact(setup)
    })
  })
}
