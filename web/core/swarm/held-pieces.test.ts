/**
 * The downloader's memory bounds (piece-memory.ts) over real swarms on
 * memory links: while the store holds back every write, no piece starts
 * once the whole pieces waiting for it reach MAX_UNSTORED_BYTES, and the
 * download completes byte-exact when the store catches up; with many peers,
 * pieces under way stop at MAX_HELD_PIECE_BYTES. The store is a real memory
 * store whose writes wait for the test; nothing here sleeps.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { Swarm } from './swarm.js'
import { memoryPair } from '../transport/memory.js'
import { memoryStore } from '../storage/memory-store.js'
import type { DropChunks } from '../storage/chunk-store.js'
import type { CryptoProvider } from '../crypto/provider.js'
import type { Connection } from '../transport/transport.js'
import { digestOfCid } from '../../../format/cid.js'
import { decodeFrame, encodeFrame } from '../wire/codec.js'
import { ManualClock } from '../util/clock.js'
import { seededRandom } from '../util/random.js'
import { Bitfield } from './bitfield.js'
import { INITIAL_PIPELINE_BLOCKS, MAX_HELD_PIECE_BYTES, MAX_PIPELINE_BLOCKS, MAX_UNSTORED_BYTES, TICK_MS } from './constants.js'
import { REQUEST_BLOCK_BYTES } from '../wire/constants.js'
import { completed, crypto, expectContent, holder, makeDrop, type Drop } from './swarm.fixtures.js'

/** The largest piece size, so few pieces exceed the bounds. Sealed pieces are exactly this long. */
const PIECE = 4 * 1024 * 1024
const PIECES_HELD = MAX_HELD_PIECE_BYTES / PIECE

/** A store whose writes (putMany, what the downloader's batch writer calls) wait until `release()`. */
function heldStore(inner: DropChunks) {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  let waiting = 0
  const store: DropChunks = {
    put: (id, bytes) => inner.put(id, bytes),
    get: (id) => inner.get(id),
    has: (id) => inner.has(id),
    hasMany: (ids) => inner.hasMany(ids),
    async putMany(entries) {
      waiting++
      await gate
      waiting--
      return inner.putMany(entries)
    },
  }
  return { store, release, waiting: () => waiting }
}

/** The suite's WebCrypto, counting the piece hashes it has finished (the downloader's verify step). */
function countingCrypto(): { crypto: CryptoProvider; pieceHashes: () => number } {
  let pieceHashes = 0
  return {
    crypto: {
      ...crypto,
      async sha256(data) {
        const digest = await crypto.sha256(data)
        if (data.length === PIECE) pieceHashes++
        return digest
      },
    },
    pieceHashes: () => pieceHashes,
  }
}

/** Records the pieces `connection` asks for (and cancels), as it sends them (before the link delivers anything). */
function recordRequests(connection: Connection, cancelled: number[] = []): Set<number> {
  const asked = new Set<number>()
  const send = connection.send.bind(connection)
  connection.send = (frame) => {
    const f = decodeFrame(frame)
    if (f.kind === 'request') asked.add(f.piece)
    if (f.kind === 'cancel') cancelled.push(f.piece)
    return send(frame)
  }
  return asked
}

/** A downloader that knows the manifest, on a clock that stands still: no timeout, tick or batch timer fires unless the test moves it. */
async function downloader(drop: Drop, store: DropChunks, crypto: CryptoProvider) {
  const clock = new ManualClock(1_000_000)
  const swarm = new Swarm({ cid: drop.result.cid, store, crypto, clock, random: seededRandom(4) })
  await swarm.start({ manifest: drop.result.manifest, bytes: drop.result.manifestBytes })
  return { swarm, clock }
}

/** The HELLO of a peer that holds every piece of `drop`. */
function helloOf(drop: Drop): Uint8Array {
  const count = drop.result.manifest.pieceIds.length
  const bitfield = new Bitfield(count, undefined, true).bytes
  return encodeFrame({ kind: 'hello', cidDigest: digestOfCid(drop.result.cid), hasManifest: true, pieceCount: count, bitfield })
}

describe('pieces held by the downloader', () => {
  let drop: Drop
  beforeAll(async () => {
    drop = await makeDrop((PIECES_HELD + 2) * (PIECE - 16), PIECE)
  })

  it('starts no piece while the pieces waiting for the store are at the bound, and completes byte-exact once it catches up', async () => {
    const seeder = await holder(drop, { store: drop.store, seed: 3 })
    const held = heldStore(memoryStore().drop(digestOfCid(drop.result.cid)))
    const hashing = countingCrypto()
    const { swarm, clock } = await downloader(drop, held.store, hashing.crypto)
    const [toSeeder, toDownloader] = memoryPair('down', 'seeder')
    const started = recordRequests(toSeeder)
    swarm.addConnection(toSeeder)
    seeder.addConnection(toDownloader)

    // Every piece asked for arrives and is hashed, and its write waits: nothing more is in motion.
    await expect.poll(() => started.size > 0 && hashing.pieceHashes() === started.size, { timeout: 30_000 }).toBe(true)
    expect(held.waiting()).toBeGreaterThan(0)
    clock.advance(TICK_MS) // the swarm's tick schedules again: still nothing may start
    // The pieces that filled the queue, and those under way at the peer when they did: its pipeline spans at most three.
    const underWay = Math.ceil((MAX_PIPELINE_BLOCKS * REQUEST_BLOCK_BYTES) / PIECE) + 1
    expect(started.size).toBeLessThanOrEqual(MAX_UNSTORED_BYTES / PIECE + underWay)
    expect(started.size).toBeLessThan(PIECES_HELD)
    expect(swarm.have!.count).toBe(0) // announced only once stored

    held.release()
    await completed(swarm)
    expect(started.size).toBe(drop.result.manifest.pieceIds.length)
    await expectContent(drop, held.store)
    swarm.close()
  }, 60_000)

  it('a window whose head waits for the store is no seek: requests under way elsewhere stand', async () => {
    const held = heldStore(memoryStore().drop(digestOfCid(drop.result.cid)))
    const hashing = countingCrypto()
    const { swarm } = await downloader(drop, held.store, hashing.crypto)
    const [toPeer, fromPeer] = memoryPair('down', 'peer')
    const cancelled: number[] = []
    const started = recordRequests(toPeer, cancelled)
    // A peer claiming every piece that answers only piece 0's blocks: what else is asked stays in flight.
    fromPeer.events.on('message', async (m) => {
      const f = decodeFrame(m)
      if (f.kind !== 'request' || f.piece !== 0) return
      const sealed = (await drop.store.get(drop.result.manifest.pieceIds[0]))!
      for (let offset = f.offset; offset < f.offset + f.length; offset += REQUEST_BLOCK_BYTES) {
        fromPeer.send(encodeFrame({ kind: 'block', piece: 0, offset, data: sealed.subarray(offset, offset + REQUEST_BLOCK_BYTES) }))
      }
    })
    swarm.prioritize([{ first: 0, end: 1 }])
    swarm.addConnection(toPeer)
    fromPeer.send(helloOf(drop))
    await expect.poll(() => hashing.pieceHashes()).toBe(1) // piece 0, now waiting for the store
    expect(started.size).toBeGreaterThan(1)
    // The reader asks for the same head again (a window moving on): nothing is cancelled.
    swarm.prioritize([{ first: 0, end: 2 }])
    expect(cancelled).toEqual([])
    held.release()
    await expect.poll(() => swarm.have!.has(0)).toBe(true)
    swarm.close()
  })

  it('starts no piece past MAX_HELD_PIECE_BYTES under way, however many peers could take one', async () => {
    const { swarm } = await downloader(drop, memoryStore().drop(digestOfCid(drop.result.cid)), crypto)
    const hello = helloOf(drop)
    // Peers that claim every piece and never answer: each takes one piece (its first pipeline spans less than one).
    expect(INITIAL_PIPELINE_BLOCKS * REQUEST_BLOCK_BYTES).toBeLessThan(PIECE)
    const asked: Set<number>[] = []
    for (let i = 0; i < PIECES_HELD + 2; i++) {
      const [toPeer, fromPeer] = memoryPair('down', `peer${i}`)
      asked.push(recordRequests(toPeer))
      const rejected = new Promise<void>((resolve) => fromPeer.events.on('message', (m) => decodeFrame(m).kind === 'reject' && resolve()))
      swarm.addConnection(toPeer)
      fromPeer.send(hello)
      // Answered after the HELLO, on the same link: by then the downloader has scheduled for this peer.
      fromPeer.send(encodeFrame({ kind: 'request', piece: 0, offset: 0, length: REQUEST_BLOCK_BYTES }))
      await rejected
    }
    expect(asked.map((pieces) => pieces.size)).toEqual([...Array(PIECES_HELD).fill(1), 0, 0])
    expect(new Set(asked.flatMap((pieces) => [...pieces])).size).toBe(PIECES_HELD)
    swarm.close()
  })
})
