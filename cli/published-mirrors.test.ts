/**
 * Published mirror lists end to end in Node: engines through the in-process
 * hub (which checks lists as the server does), real HTTP mirrors. The owner
 * adds a mirror after the link went out, and a fresh engine with the plain
 * link and no peer online downloads from it byte-exact. Then what a lying
 * server can try: a list the owner never signed, before and after the
 * manifest is known. Then what the owner's tools refuse.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportDrop } from './mirror-export.js'
import { serveStoreAsMirror } from './store-mirror.js'
import { type DirMirror, serveDir } from './http-mirror.fixtures.js'
import { ed25519KeyPair } from '../signal-server/mirror-list.fixtures.js'
import { memoryStore } from '../web/core/storage/memory-store.js'
import { crypto, useEngines } from '../web/core/engine.fixtures.js'
import { bytesSource } from '../web/core/chunking/source.js'
import { ingest } from '../web/core/chunking/ingest.js'
import { parseLink } from '../web/core/content/link.js'
import { MemorySignalingHub } from '../web/core/signaling/memory-hub.js'
import { fileBytes, once, waitFor } from '../web/core/drop.fixtures.js'
import { pseudoRandomBytes } from '../web/core/util/random.js'
import type { Drop } from '../web/core/drop.js'
import type { Engine } from '../web/core/engine.js'
import { type Cid, digestOfCid } from '../format/cid.js'
import { toBase64Url } from '../format/bytes.js'
import { signMirrorList } from '../format/mirror-list.js'

const PIECE = 16 * 1024
const engine = useEngines()
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

async function serve(dir: string): Promise<DirMirror> {
  const mirror = await serveDir(dir)
  cleanups.push(() => mirror.close())
  return mirror
}

async function exported(content: Uint8Array, name = 'data/set.bin') {
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-published-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return { dir, sealed: await exportDrop([bytesSource(name, content)], dir, { pieceSize: PIECE }) }
}

function warningsOf(drop: Drop): string[] {
  const warnings: string[] = []
  drop.swarm.events.on('warning', (w) => warnings.push(w))
  return warnings
}

/** Takes an engine off the hub: it serves nobody from now on. */
function offline(e: Engine): void {
  e.signaling.close()
  e.close()
}

/** A list for `cid` that the owner never signed: what a lying server could hand out. */
async function forgedList(cid: Cid, mirrors: string[]): Promise<string> {
  return toBase64Url(await signMirrorList({ cidDigest: digestOfCid(cid), seq: Date.now(), mirrors }, ed25519KeyPair().sign))
}

const pieceRequests = (m: DirMirror) => m.requests.filter((p) => p.includes('/pieces/'))

describe('published mirror lists', () => {
  it('the owner publishes a mirror after the link went out; a fresh engine with the plain link and no peer online downloads from it byte-exact', async () => {
    const hub = new MemorySignalingHub()
    const content = pseudoRandomBytes(30 * (PIECE - 16) + 77, 11)
    const store = memoryStore()
    const owner = engine(hub, { store })
    const { drop, fragment } = await owner.share([bytesSource('set.bin', content)], { pieceSize: PIECE })
    const mirror = await serveStoreAsMirror(store, async (cid) => cid === drop.cid, '127.0.0.1', 0)
    cleanups.push(() => void mirror.close())
    const published = await owner.mirrorLists.publish(drop.cid, [mirror.base])
    expect(published.mirrors).toEqual([mirror.base])
    offline(owner)

    expect(parseLink(fragment).mirrors).toBeUndefined()
    const fresh = await engine(hub).open(parseLink(fragment))
    const warnings = warningsOf(fresh)
    await once(fresh, 'complete')
    expect(await fileBytes(fresh)).toEqual(content)
    expect(warnings).toEqual([])
  })

  it('an owner link opened elsewhere (as the CLI does) reads and replaces the list; strangers and bad URLs are refused', async () => {
    const hub = new MemorySignalingHub()
    const content = pseudoRandomBytes(8 * (PIECE - 16), 12)
    const { dir, sealed } = await exported(content)
    const [first, second] = [await serve(dir), await serve(dir)]
    const cid = sealed.result.cid
    const owner = engine(hub)
    const drop = await owner.open({ ...parseLink(sealed.ownerFragment), mirrors: [first.base] })
    await once(drop, 'complete')
    const { manifest } = sealed.result
    expect(await owner.mirrorLists.current(cid, manifest)).toBeNull()
    await owner.mirrorLists.publish(cid, [second.base, first.base.replace(/\/$/, '')])
    const now = await owner.mirrorLists.current(cid, manifest)
    expect(now?.mirrors).toEqual([second.base, first.base])
    const again = await owner.mirrorLists.publish(cid, [second.base])
    expect(again.seq).toBeGreaterThan(now!.seq)
    await expect(owner.mirrorLists.publish(cid, ['ftp://x.example/'])).rejects.toThrow(/http or https/)
    await expect(
      owner.mirrorLists.publish(
        cid,
        Array.from({ length: 9 }, (_, i) => `https://m${i}.example/`),
      ),
    ).rejects.toThrow(/at most 8/)

    const stranger = engine(hub)
    const theirs = await stranger.open({ ...parseLink(sealed.fragment), mirrors: [first.base] })
    await once(theirs, 'complete')
    await expect(stranger.mirrorLists.publish(cid, [first.base])).rejects.toThrow(/Only the owner/)
    expect((await stranger.mirrorLists.current(cid, manifest))?.mirrors).toEqual([second.base])
  })

  it('a drop made before mirror keys cannot have a published list', async () => {
    const store = memoryStore()
    const revokeSecret = new Uint8Array(randomBytes(32))
    const revokeHash = new Uint8Array(createHash('sha256').update(revokeSecret).digest())
    const old = await ingest([bytesSource('old.bin', pseudoRandomBytes(5000, 13))], { crypto, store, revokeHash, pieceSize: PIECE })
    expect(old.manifest.mirrorKey).toBeUndefined()
    const owner = engine(new MemorySignalingHub(), { store })
    await owner.open({ cid: old.cid, secret: old.secret, revokeSecret })
    await expect(owner.mirrorLists.publish(old.cid, ['https://m.example/'])).rejects.toThrow(/made before published mirror lists/)
  })

  it('a list the owner did not sign gets at most a manifest GET from each mirror it names, never a piece', async () => {
    const hub = new MemorySignalingHub()
    const { dir, sealed } = await exported(pseudoRandomBytes(6 * (PIECE - 16), 14))
    const cid = sealed.result.cid
    const named = await serve(dir)
    hub.mirrorLists.set(cid, { seq: 1, list: await forgedList(cid, [named.base]) }) // a lying server
    const drop = await engine(hub).open(parseLink(sealed.fragment))
    const warnings = warningsOf(drop)
    const host = new URL(named.base).host
    await vi.waitFor(
      () =>
        expect(warnings).toContain(
          `Mirror ${host}: is named only by a mirror list the drop’s owner did not sign (the list is not signed by the drop's owner).`,
        ),
      { timeout: 10_000 },
    )
    expect(named.requests).toEqual([`/swarmdrop-v1/${cid}/manifest`])
    expect(drop.swarm.have?.count ?? 0).toBe(0)
  })

  it('once the manifest is known, a list the owner did not sign is refused before any mirror it names is asked', async () => {
    const hub = new MemorySignalingHub()
    const content = pseudoRandomBytes(6 * (PIECE - 16), 15)
    const { dir, sealed } = await exported(content)
    const cid = sealed.result.cid
    const [honest, named] = [await serve(dir), await serve(dir)]
    const drop = await engine(hub).open({ ...parseLink(sealed.fragment), mirrors: [honest.base] })
    const warnings = warningsOf(drop)
    await waitFor(drop, (s) => s.files !== null)
    // The lying server's list arrives after the manifest: on the reconnect that asks again.
    hub.mirrorLists.set(cid, { seq: 1, list: await forgedList(cid, [named.base]) })
    hub.restart(10)
    await vi.waitFor(
      () => expect(warnings).toContain("Ignored the server’s mirror list for this drop: the list is not signed by the drop's owner."),
      { timeout: 10_000 },
    )
    await once(drop, 'complete')
    expect(await fileBytes(drop)).toEqual(content)
    expect(named.requests).toEqual([])
    expect(pieceRequests(honest).length).toBe(sealed.result.manifest.pieceIds.length)
  })
})
