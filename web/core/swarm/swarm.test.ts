import { describe, expect, it } from 'vitest'
import { memoryPair } from '../transport/memory.js'
import { memoryStore } from '../storage/memory-store.js'
import type { DropChunks } from '../storage/chunk-store.js'
import { ingest } from '../chunking/ingest.js'
import { bytesSource } from '../chunking/source.js'
import { digestOfCid } from '../../../format/cid.js'
import { toHex } from '../util/bytes.js'
import { decodeFrame, encodeFrame } from '../wire/codec.js'
import { completed, crypto, expectContent, fresh, holder, link, makeDrop as makeSizedDrop } from './swarm.fixtures.js'
import { Bitfield } from './bitfield.js'
import { Swarm } from './swarm.js'
import { ManualClock } from '../util/clock.js'

const PIECE = 16 * 1024
const makeDrop = (size = 20 * (PIECE - 16) + 100) => makeSizedDrop(size, PIECE)
const seeder = (drop: Awaited<ReturnType<typeof makeDrop>>, store?: DropChunks, seed = 1) =>
  holder(drop, { store: store ?? drop.store, seed })
const downloader = fresh
const connect = link

/** A store that returns corrupted bytes for every piece: a peer that lies. */
function lyingStore(inner: DropChunks): DropChunks {
  return {
    ...inner,
    async get(id) {
      const bytes = await inner.get(id)
      if (bytes && bytes.length > 1000) bytes[bytes.length - 1] ^= 0xff
      return bytes
    },
  }
}

describe('swarm', () => {
  it('downloads from one seeder: fetches the manifest, verifies every piece, byte-exact', async () => {
    const drop = await makeDrop()
    const seed = await seeder(drop)
    const { swarm, store } = downloader(drop)
    connect(seed, swarm, ['seed', 'down'])
    await completed(swarm)
    expect(toHex(swarm.manifestBytes!)).toBe(toHex(drop.result.manifestBytes))
    await expectContent(drop, store)
    expect(seed.bytesUp).toBeGreaterThanOrEqual(drop.content.length)
  })

  it('downloads an empty drop (zero pieces) once the manifest arrives', async () => {
    const content = new Uint8Array(0)
    const whole = memoryStore()
    const result = await ingest([bytesSource('empty', content)], { crypto, store: whole, pieceSize: PIECE })
    const drop = { content, store: whole.drop(digestOfCid(result.cid)), result }
    const seed = await seeder(drop)
    const { swarm } = downloader(drop)
    connect(seed, swarm, ['seed', 'down'])
    await completed(swarm)
    expect(swarm.have!.size).toBe(0)
  })

  it('fetches from two seeders at once and uses both', async () => {
    const drop = await makeDrop(40 * (PIECE - 16))
    const a = await seeder(drop, drop.store, 3)
    const b = await seeder(drop, drop.store, 4)
    const { swarm, store } = downloader(drop)
    connect(a, swarm, ['a', 'down'])
    connect(b, swarm, ['b', 'down'])
    await completed(swarm)
    await expectContent(drop, store)
    expect(a.bytesUp).toBeGreaterThan(0)
    expect(b.bytesUp).toBeGreaterThan(0)
  })

  it('serves while downloading: a third peer gets pieces from the first downloader', async () => {
    const drop = await makeDrop(60 * (PIECE - 16))
    const seed = await seeder(drop)
    const first = downloader(drop, 5)
    const third = downloader(drop, 6)
    connect(seed, first.swarm, ['seed', 'first'])
    connect(first.swarm, third.swarm, ['first', 'third'])
    connect(seed, third.swarm, ['seed', 'third'])
    await Promise.all([completed(first.swarm), completed(third.swarm)])
    await expectContent(drop, third.store)
    expect(first.swarm.bytesUp).toBeGreaterThan(0)
  })

  it('discards pieces that fail verification, drops the liar, and completes byte-exact from honest peers', async () => {
    const drop = await makeDrop()
    const honest = await seeder(drop, drop.store, 7)
    const liar = await seeder(drop, lyingStore(drop.store), 8)
    const { swarm, store } = downloader(drop, 9)
    const warnings: string[] = []
    swarm.events.on('warning', (w) => warnings.push(w))
    connect(liar, swarm, ['liar', 'down'])
    connect(honest, swarm, ['honest', 'down'])
    await completed(swarm)
    await expectContent(drop, store)
    expect(warnings.some((w) => /failed verification/.test(w))).toBe(true)
    expect(swarm.peers().map((p) => p.id)).not.toContain('liar')
    for (const id of drop.result.manifest.pieceIds) {
      expect(toHex(await crypto.sha256((await store.get(id))!))).toBe(toHex(id))
    }
  })

  it('refuses a dropped liar that connects again (the server still lists it), and says why', async () => {
    const drop = await makeDrop()
    const liar = await seeder(drop, lyingStore(drop.store), 8)
    const { swarm } = downloader(drop, 9)
    const dropped = new Promise<void>((resolve) => swarm.events.on('warning', (w) => /that peer was dropped/.test(w) && resolve()))
    connect(liar, swarm, ['liar', 'down'])
    await dropped
    expect(swarm.refuses('liar')).toBe(true)
    const [again, downEnd] = memoryPair('liar', 'down')
    const closed = new Promise<string>((resolve) => again.events.on('close', ({ reason }) => resolve(reason)))
    swarm.addConnection(downEnd)
    expect(await closed).toMatch(/dropped earlier for sending pieces that fail verification/)
    expect(swarm.peers().map((p) => p.id)).not.toContain('liar')
    // An honest peer is still taken, and the download completes.
    const honest = await seeder(drop, drop.store, 7)
    expect(swarm.refuses('honest')).toBe(false)
    connect(honest, swarm, ['honest', 'down'])
    await completed(swarm)
  })

  it('closes a peer that sends a malformed frame, with a reason, and keeps serving others', async () => {
    const drop = await makeDrop()
    const seed = await seeder(drop)
    const [evilEnd, seedEnd] = memoryPair('evil', 'seed')
    const closed = new Promise<string>((resolve) => evilEnd.events.on('close', ({ reason }) => resolve(reason)))
    seed.addConnection(seedEnd)
    evilEnd.send(Uint8Array.of(1, 200, 1, 2, 3))
    expect(await closed).toMatch(/malformed frame: unknown frame kind 200/)
    const { swarm, store } = downloader(drop)
    connect(seed, swarm, ['seed', 'down'])
    await completed(swarm)
    await expectContent(drop, store)
  })

  it('drops a peer whose manifest does not hash to the CID and takes it from another', async () => {
    const drop = await makeDrop()
    const other = await makeDrop(5 * (PIECE - 16))
    const seed = await seeder(drop)
    const { swarm, store } = downloader(drop)
    // A raw peer that claims the CID but answers with another drop's manifest.
    const [fakeEnd, downEnd] = memoryPair('fake', 'down')
    const fakeClosed = new Promise<string>((resolve) => fakeEnd.events.on('close', ({ reason }) => resolve(reason)))
    // It answers each manifest request (only those: a reply to every frame would race the hash check).
    fakeEnd.events.on('message', (m) => {
      if (fakeEnd.closed || decodeFrame(m).kind !== 'manifest-request') return
      fakeEnd.send(
        encodeFrame({ kind: 'manifest-part', total: other.result.manifestBytes.length, offset: 0, data: other.result.manifestBytes }),
      )
    })
    swarm.addConnection(downEnd)
    fakeEnd.send(
      encodeFrame({
        kind: 'hello',
        cidDigest: digestOfCid(drop.result.cid),
        hasManifest: true,
        pieceCount: 21,
        bitfield: new Uint8Array(3).fill(0xff).map((b, i) => (i === 2 ? 0xf8 : b)),
      }),
    )
    expect(await fakeClosed).toMatch(/does not match the link/)
    connect(seed, swarm, ['seed', 'down'])
    await completed(swarm)
    await expectContent(drop, store)
  })

  it('announces pieces verified after its HELLO even to a peer whose HELLO has not arrived yet', async () => {
    const drop = await makeDrop()
    const { swarm } = downloader(drop)
    const [probe, downEnd] = memoryPair('probe', 'down')
    const received: string[] = []
    probe.events.on('message', (m) => {
      const f = decodeFrame(m)
      received.push(f.kind === 'have' ? `have ${f.piece}` : f.kind)
    })
    swarm.addConnection(downEnd) // sends HELLO; the probe stays silent
    const seed = await seeder(drop)
    connect(seed, swarm, ['seed', 'down'])
    await completed(swarm)
    await expect.poll(() => received.filter((k) => k.startsWith('have')).length).toBe(drop.result.manifest.pieceIds.length)
    expect(received[0]).toBe('hello')
  })

  it('drops a peer that stops answering requests, after two rounds of timeouts', async () => {
    const drop = await makeDrop()
    let clock = Date.now()
    const { swarm } = fresh(drop, 3, () => clock)
    const [silent, downEnd] = memoryPair('silent', 'down')
    const closed = new Promise<string>((resolve) => silent.events.on('close', ({ reason }) => resolve(reason)))
    const requests: number[] = []
    let cancels = 0
    let requestsAfterCancel = 0 // requests sent again once a round has timed out
    silent.events.on('message', (m) => {
      const f = decodeFrame(m)
      if (f.kind === 'cancel') cancels++
      if (f.kind === 'request') requests.push(f.piece)
      if (f.kind === 'request' && cancels > 0) requestsAfterCancel++
      // Answers the manifest, then never a block: a tab that vanished without closing its connection.
      if (f.kind === 'manifest-request') {
        silent.send(
          encodeFrame({ kind: 'manifest-part', total: drop.result.manifestBytes.length, offset: 0, data: drop.result.manifestBytes }),
        )
      }
    })
    swarm.addConnection(downEnd)
    const count = drop.result.manifest.pieceIds.length
    silent.send(
      encodeFrame({
        kind: 'hello',
        cidDigest: digestOfCid(drop.result.cid),
        hasManifest: true,
        pieceCount: count,
        bitfield: new Bitfield(count, undefined, true).bytes,
      }),
    )
    await expect.poll(() => requests.length).toBeGreaterThan(0)
    clock += 16_000
    // One tick: the first round of timeouts is cancelled and the requests go out again.
    await expect.poll(() => requestsAfterCancel, { timeout: 3_000 }).toBeGreaterThan(0)
    expect(silent.closed).toBe(false)
    clock += 16_000
    expect(await closed).toMatch(/not answering requests/)
  })

  it('runs on an injected clock: a silent peer is dropped after two timeout rounds of virtual time', async () => {
    const drop = await makeDrop()
    const clock = new ManualClock(1_000_000)
    const swarm = new Swarm({ cid: drop.result.cid, store: memoryStore().drop(digestOfCid(drop.result.cid)), crypto, clock })
    const [silent, downEnd] = memoryPair('silent', 'down')
    const closed = new Promise<string>((resolve) => silent.events.on('close', ({ reason }) => resolve(reason)))
    let requests = 0
    silent.events.on('message', (m) => {
      const f = decodeFrame(m)
      if (f.kind === 'request') requests++
      if (f.kind === 'manifest-request') {
        silent.send(
          encodeFrame({ kind: 'manifest-part', total: drop.result.manifestBytes.length, offset: 0, data: drop.result.manifestBytes }),
        )
      }
    })
    swarm.addConnection(downEnd)
    const count = drop.result.manifest.pieceIds.length
    silent.send(
      encodeFrame({
        kind: 'hello',
        cidDigest: digestOfCid(drop.result.cid),
        hasManifest: true,
        pieceCount: count,
        bitfield: new Bitfield(count, undefined, true).bytes,
      }),
    )
    await expect.poll(() => requests).toBeGreaterThan(0)
    const firstRound = requests
    clock.advance(16_000)
    await expect.poll(() => requests).toBeGreaterThan(firstRound) // asked again after the first round
    expect(silent.closed).toBe(false)
    clock.advance(16_000)
    expect(await closed).toMatch(/not answering requests/)
    swarm.close()
    expect(clock.pending).toBe(0) // every timer of the swarm, its wires and its writer is gone
  })

  it('rejects a request for a piece it does not hold and closes a peer that asks past the end', async () => {
    const drop = await makeDrop()
    const seed = await seeder(drop)
    const [probe, seedEnd] = memoryPair('probe', 'seed')
    const frames: Uint8Array[] = []
    probe.events.on('message', (m) => frames.push(m))
    const closed = new Promise<string>((resolve) => probe.events.on('close', ({ reason }) => resolve(reason)))
    seed.addConnection(seedEnd)
    probe.send(
      encodeFrame({
        kind: 'hello',
        cidDigest: digestOfCid(drop.result.cid),
        hasManifest: false,
        pieceCount: 0,
        bitfield: new Uint8Array(0),
      }),
    )
    probe.send(encodeFrame({ kind: 'request', piece: 999, offset: 0, length: 10 }))
    expect(await closed).toMatch(/requested piece 999/)
  })
})
