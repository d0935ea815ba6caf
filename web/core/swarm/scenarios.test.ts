/**
 * Swarm behaviour with several peers over in-memory links, each with its own
 * store: subsets, departures, slow peers. Byte-exact every time.
 */
import { describe, expect, it } from 'vitest'
import { Swarm } from './swarm.js'
import { memoryStore } from '../storage/memory-store.js'
import type { DropChunks } from '../storage/chunk-store.js'
import { digestOfCid } from '../../../format/cid.js'
import { seededRandom } from '../util/random.js'
import { completed, crypto, expectContent, fresh, holder as holderOf, link, makeDrop, range, type Drop } from './swarm.fixtures.js'

const holder = (drop: Drop, pieces: Iterable<number>, seed: number) => holderOf(drop, { pieces, seed })

describe('swarm scenarios', () => {
  it('(a) assembles a file from five peers that each hold a different part', async () => {
    const drop = await makeDrop(50 * (16 * 1024 - 16), 16 * 1024)
    // Overlapping slices; together they cover all 50 pieces, no one holds more than 14.
    const subsets = [range(0, 12), range(10, 22), range(20, 32), range(30, 42), range(40, 50)]
    const holders = await Promise.all(subsets.map((s, i) => holder(drop, s, 10 + i)))
    const { swarm, store } = fresh(drop, 1)
    holders.forEach((h, i) => link(h, swarm, [`h${i}`, 'down']))
    await completed(swarm)
    await expectContent(drop, store)
    for (const h of holders) expect(h.bytesUp).toBeGreaterThan(0)
  })

  it('(c) a peer that vanishes mid-piece does not stall the download', { timeout: 20_000 }, async () => {
    const pieceSize = 512 * 1024 // four 128 KiB blocks per piece
    const drop = await makeDrop(12 * (pieceSize - 16), pieceSize)
    const a = await holder(drop, range(0, 12), 2)
    const b = await holder(drop, range(0, 12), 3)
    const { swarm, store } = fresh(drop, 4)
    const rate = { bytesPerSecond: 3 * 1024 * 1024 }
    const { ba } = link(a, swarm, ['a', 'down'], rate)
    link(b, swarm, ['b', 'down'], rate)
    // Once some blocks (but not all pieces) came from a, a disappears without a word.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const fromA = swarm.peers().find((p) => p.id === 'a')?.bytesDown ?? 0
        if (fromA >= 300 * 1024) {
          clearInterval(timer)
          resolve()
        }
      }, 5)
    })
    const vanishedAt = Date.now()
    ba.close('network gone')
    await completed(swarm)
    const afterVanish = Date.now() - vanishedAt
    await expectContent(drop, store)
    // Well under the request timeout: a's blocks went to b at once.
    expect(afterVanish).toBeLessThan(6_000)
  })

  it('(d) one peer 20× slower than the rest barely delays the finish (endgame)', { timeout: 90_000 }, async () => {
    const pieceSize = 256 * 1024
    const drop = await makeDrop(40 * (pieceSize - 16), pieceSize)
    const fast = { bytesPerSecond: 3 * 1024 * 1024 }
    const slow = { bytesPerSecond: fast.bytesPerSecond / 20 }

    const run = async (withSlow: boolean, seed: number) => {
      const peers = await Promise.all(range(0, withSlow ? 4 : 3).map((i) => holder(drop, range(0, 40), seed + i)))
      const { swarm, store } = fresh(drop, seed)
      const started = Date.now()
      peers.forEach((p, i) => link(p, swarm, [`p${i}`, 'down'], withSlow && i === 0 ? slow : fast))
      await completed(swarm)
      const ms = Date.now() - started
      await expectContent(drop, store)
      const fromSlow = withSlow ? peers[0].bytesUp : 0
      swarm.close()
      peers.forEach((p) => p.close())
      return { ms, fromSlow }
    }

    const fastOnly = await run(false, 100)
    const withSlow = await run(true, 200)
    console.log(`(d) three fast peers: ${fastOnly.ms} ms; the same plus one 20× slower peer: ${withSlow.ms} ms`)
    expect(withSlow.ms).toBeLessThan(fastOnly.ms * 1.4)
    expect(withSlow.fromSlow).toBeLessThan(drop.content.length * 0.15)
  })

  it('keeps serving after a download: a new downloader fetches from the finished one alone', async () => {
    const drop = await makeDrop(20 * (16 * 1024 - 16), 16 * 1024)
    const seed = await holder(drop, range(0, 20), 5)
    const first = fresh(drop, 6)
    const { ab } = link(seed, first.swarm, ['seed', 'first'])
    await completed(first.swarm)
    ab.close('seeder left')
    const second = fresh(drop, 7)
    link(first.swarm, second.swarm, ['first', 'second'])
    await completed(second.swarm)
    await expectContent(drop, second.store)
  })

  it('stops downloading with a storage error when the store is full, keeping what it stored', async () => {
    const drop = await makeDrop(20 * (16 * 1024 - 16), 16 * 1024)
    const seed = await holder(drop, range(0, 20), 8)
    const inner = memoryStore().drop(digestOfCid(drop.result.cid))
    let puts = 0
    // Like an IndexedDB transaction: a batch that would pass the quota fails whole.
    const full: DropChunks = {
      ...inner,
      async putMany(entries) {
        if (puts + entries.length > 6) throw new DOMException('quota', 'QuotaExceededError')
        puts += entries.length
        return inner.putMany(entries)
      },
    }
    const swarm = new Swarm({ cid: drop.result.cid, store: full, crypto, random: seededRandom(9) })
    const failed = new Promise<unknown>((resolve) => swarm.events.on('storage-error', resolve))
    link(seed, swarm, ['seed', 'down'], { bytesPerSecond: 256 * 1024 }) // pieces arrive, and are stored, a few at a time
    expect(((await failed) as Error).name).toBe('QuotaExceededError')
    const held = swarm.have!.count
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThan(20)
    swarm.close()
    for (const i of swarm.have!.indices()) expect(await inner.has(drop.result.manifest.pieceIds[i])).toBe(true)
  })
})
