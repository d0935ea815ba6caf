/**
 * The downloader's memory bound holds when the store is slower than the
 * peers: a piece counts from its start until its write settles, so while
 * the store holds back every write, no piece starts past
 * MAX_HELD_PIECE_BYTES; once the store catches up the download completes.
 * The store here is a real memory store whose writes wait for the test.
 */
import { describe, expect, it } from 'vitest'
import { Swarm } from './swarm.js'
import { memoryPair } from '../transport/memory.js'
import { memoryStore } from '../storage/memory-store.js'
import type { DropChunks } from '../storage/chunk-store.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { digestOfCid } from '../../../format/cid.js'
import { decodeFrame } from '../wire/codec.js'
import { ManualClock } from '../util/clock.js'
import { seededRandom } from '../util/random.js'
import { MAX_HELD_PIECE_BYTES, TICK_MS } from './constants.js'
import { completed, crypto, expectContent, holder, makeDrop } from './swarm.fixtures.js'

/** The largest piece size: the fewest pieces that exceed the bound. Sealed pieces are exactly this long. */
const PIECE = 4 * 1024 * 1024
const PIECES_IN_BOUND = MAX_HELD_PIECE_BYTES / PIECE

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

describe('pieces held by the downloader', () => {
  it('starts no piece past the bound while the store holds every write, and completes byte-exact once it catches up', async () => {
    const drop = await makeDrop((PIECES_IN_BOUND + 2) * (PIECE - 16), PIECE)
    const seeder = await holder(drop, { store: drop.store, seed: 3 })
    const cidDigest = digestOfCid(drop.result.cid)
    const held = heldStore(memoryStore().drop(cidDigest))
    const hashing = countingCrypto()
    // A clock that stands still: no timeout, tick or batch timer fires unless the test moves it.
    const clock = new ManualClock(1_000_000)
    const swarm = new Swarm({ cid: drop.result.cid, store: held.store, crypto: hashing.crypto, clock, random: seededRandom(4) })
    await swarm.start({ manifest: drop.result.manifest, bytes: drop.result.manifestBytes })
    const [toSeeder, toDownloader] = memoryPair('seeder', 'down')
    // The pieces the downloader has asked for, recorded as it sends (before the link delivers them).
    const started = new Set<number>()
    const send = toSeeder.send.bind(toSeeder)
    toSeeder.send = (frame) => {
      const f = decodeFrame(frame)
      if (f.kind === 'request') started.add(f.piece)
      return send(frame)
    }
    swarm.addConnection(toSeeder)
    seeder.addConnection(toDownloader)

    // Every piece asked for arrives and is hashed, and its write waits: nothing more is in motion.
    await expect.poll(() => started.size > 0 && hashing.pieceHashes() === started.size, { timeout: 30_000 }).toBe(true)
    expect(held.waiting()).toBeGreaterThan(0)
    clock.advance(TICK_MS) // the swarm's tick schedules again: still nothing new may start
    expect(started.size).toBe(PIECES_IN_BOUND)
    expect(swarm.have!.count).toBe(0) // announced only once stored

    held.release()
    await completed(swarm)
    expect(started.size).toBe(PIECES_IN_BOUND + 2)
    await expectContent(drop, held.store)
    swarm.close()
  }, 60_000)
})
