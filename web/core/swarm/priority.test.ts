/**
 * The priority window over real swarms on memory links: a reader's pieces
 * come first, a seek moves fetching, rarest first keeps its share, a stalled
 * head is fetched again elsewhere, bad windows and waits are refused.
 * Orders are asserted by counts of verified pieces, never by sleeping.
 */
import { describe, expect, it } from 'vitest'
import { Swarm } from './swarm.js'
import { memoryPair } from '../transport/memory.js'
import { memoryStore } from '../storage/memory-store.js'
import { digestOfCid } from '../../../format/cid.js'
import { decodeFrame, encodeFrame } from '../wire/codec.js'
import { ManualClock } from '../util/clock.js'
import { seededRandom } from '../util/random.js'
import { Bitfield } from './bitfield.js'
import { HEAD_STALL_MS, MAX_PIECE_WAITERS, MAX_WINDOW_RANGES, TICK_MS, WRITE_BATCH_DELAY_MS } from './constants.js'
import { completed, crypto, expectContent, fresh, holder, link, makeDrop, range, type Drop } from './swarm.fixtures.js'

const PIECE = 16 * 1024
/** Keeps each peer's pipeline short (a few blocks), as on a real link, so request order shows in arrival order. */
const LINK = { bytesPerSecond: 1024 * 1024 }

/** A downloader that knows the manifest (a reader only opens a file once it does), and the order its pieces arrive. */
async function reader(drop: Drop, seed: number) {
  const { swarm, store } = fresh(drop, seed)
  await swarm.start({ manifest: drop.result.manifest, bytes: drop.result.manifestBytes })
  const order: number[] = []
  swarm.events.on('piece', (i) => order.push(i))
  return { swarm, store, order }
}

/** How many pieces had arrived, in all, when the last of `pieces` did. */
function arrivedWhenAllOf(order: number[], pieces: number[]): number {
  return Math.max(...pieces.map((i) => order.indexOf(i))) + 1
}

/**
 * A downloader with `window` set and one peer that claims every piece of a
 * 40-piece drop and never answers: what is asked of it stays in flight.
 */
async function unansweredDownload(window: { first: number; end: number }[]) {
  const drop = await makeDrop(40 * (PIECE - 16), PIECE)
  const clock = new ManualClock(1_000_000)
  const cidDigest = digestOfCid(drop.result.cid)
  const swarm = new Swarm({ cid: drop.result.cid, store: memoryStore().drop(cidDigest), crypto, clock, random: seededRandom(6) })
  await swarm.start({ manifest: drop.result.manifest, bytes: drop.result.manifestBytes })
  swarm.prioritize(window)
  const [peer, downEnd] = memoryPair('peer', 'down')
  const requested: number[] = []
  const cancelled: number[] = []
  let rejects = 0
  peer.events.on('message', (m) => {
    const f = decodeFrame(m)
    if (f.kind === 'request') requested.push(f.piece)
    if (f.kind === 'cancel') cancelled.push(f.piece)
    if (f.kind === 'reject') rejects++
  })
  swarm.addConnection(downEnd)
  peer.send(encodeFrame({ kind: 'hello', cidDigest, hasManifest: true, pieceCount: 40, bitfield: new Bitfield(40, undefined, true).bytes }))
  await expect.poll(() => requested.length).toBeGreaterThan(0)
  /** Resolves once everything the swarm sent before now has arrived: a request it cannot serve, answered on the same link. */
  const roundTrip = async () => {
    const seen = rejects
    peer.send(encodeFrame({ kind: 'request', piece: 0, offset: 0, length: 1 }))
    await expect.poll(() => rejects).toBeGreaterThan(seen)
  }
  return { swarm, requested, cancelled, roundTrip }
}

describe('priority window', () => {
  it('fetches a window at 80 % of the file from three seeders before most other pieces', async () => {
    const drop = await makeDrop(100 * (PIECE - 16), PIECE)
    const seeders = await Promise.all(range(0, 3).map((i) => holder(drop, { seed: 10 + i })))
    const { swarm, store, order } = await reader(drop, 1)
    const window = range(80, 88)
    swarm.prioritize([{ first: 80, end: 88 }])
    seeders.forEach((s, i) => link(s, swarm, [`s${i}`, 'down'], LINK))
    await completed(swarm)
    await expectContent(drop, store)
    // Rarest first alone puts the last of 8 random pieces near the end (about 90 of 100).
    expect(arrivedWhenAllOf(order, window)).toBeLessThan(30)
  })

  it('a seek replaces the window: fetching moves to the new range', async () => {
    const drop = await makeDrop(200 * (PIECE - 16), PIECE)
    const seeders = await Promise.all(range(0, 3).map((i) => holder(drop, { seed: 20 + i })))
    const { swarm, order } = await reader(drop, 2)
    swarm.prioritize([{ first: 10, end: 18 }])
    seeders.forEach((s, i) => link(s, swarm, [`s${i}`, 'down'], LINK))
    await swarm.whenPiece(10)
    const atSeek = order.length
    swarm.prioritize([{ first: 150, end: 158 }])
    await completed(swarm)
    // What was in flight at the seek arrives first (three short pipelines), then the new range.
    expect(arrivedWhenAllOf(order, range(150, 158)) - atSeek).toBeLessThan(60)
    expect(atSeek).toBeLessThan(100)
  })

  it('keeps a share for rarest first: pieces outside the window keep arriving', async () => {
    const drop = await makeDrop(80 * (PIECE - 16), PIECE)
    const seeder = await holder(drop, { seed: 30 })
    const { swarm, order } = await reader(drop, 3)
    swarm.prioritize([{ first: 0, end: 20 }])
    link(seeder, swarm, ['seed', 'down'], LINK)
    await completed(swarm)
    const first20 = order.slice(0, 20)
    const inWindow = first20.filter((i) => i < 20).length
    // Three window pieces, then one rarest first from outside: 15 and 5. Rarest first alone gives about 5 and 15.
    expect(inWindow).toBeGreaterThanOrEqual(13)
    expect(20 - inWindow).toBeGreaterThanOrEqual(3)
  })

  it('a seek cancels what was asked outside the new window, and asks for the new head at once', async () => {
    const { swarm, requested, cancelled, roundTrip } = await unansweredDownload([{ first: 0, end: 10 }])
    const before = [...new Set(requested)]
    expect(before).toContain(0)
    // Moving the window within itself is no seek: nothing is cancelled.
    swarm.prioritize([{ first: 1, end: 10 }])
    await roundTrip()
    expect(cancelled).toEqual([])
    swarm.prioritize([{ first: 30, end: 38 }])
    await expect.poll(() => requested).toContain(30)
    // Every piece asked before the seek and outside the new window was cancelled.
    expect([...new Set(cancelled)].sort((a, b) => a - b)).toEqual(before.filter((i) => i < 30 || i >= 38).sort((a, b) => a - b))
    swarm.close()
  })

  it('a window moved to the piece its window would start next is no seek (a reader that caught up with the download)', async () => {
    const { swarm, requested, cancelled, roundTrip } = await unansweredDownload([{ first: 0, end: 40 }])
    const before = [...new Set(requested)]
    const front = Math.max(...before) + 1
    expect(before.sort((a, b) => a - b)).toEqual(range(0, front)) // the window in order, nothing else
    swarm.prioritize([{ first: front, end: 40 }])
    await roundTrip()
    // What is in flight stays: the new head goes out as soon as the pipeline has room, as it would have.
    expect(cancelled).toEqual([])
    swarm.close()
  })

  it('a seek far ahead inside a window that covers the whole file cancels too (a player whose read-ahead is the file)', async () => {
    const { swarm, requested, cancelled } = await unansweredDownload([{ first: 0, end: 40 }])
    const before = [...new Set(requested)]
    expect(Math.max(...before)).toBeLessThan(30)
    swarm.prioritize([{ first: 30, end: 40 }])
    await expect.poll(() => requested).toContain(30)
    expect([...new Set(cancelled)].sort((a, b) => a - b)).toEqual(before.sort((a, b) => a - b))
    swarm.close()
  })

  it('asks a fast peer for a head stalled at a slow one, and cancels the slow copy', async () => {
    const drop = await makeDrop(40 * (PIECE - 16), PIECE)
    const clock = new ManualClock(1_000_000)
    const cidDigest = digestOfCid(drop.result.cid)
    const swarm = new Swarm({ cid: drop.result.cid, store: memoryStore().drop(cidDigest), crypto, clock, random: seededRandom(4) })
    await swarm.start({ manifest: drop.result.manifest, bytes: drop.result.manifestBytes })
    swarm.prioritize([{ first: 20, end: 28 }])
    // The slow peer claims every piece and never sends a block.
    const [slow, downEnd] = memoryPair('slow', 'down')
    const requested: number[] = []
    const cancelled: number[] = []
    slow.events.on('message', (m) => {
      const f = decodeFrame(m)
      if (f.kind === 'request') requested.push(f.piece)
      if (f.kind === 'cancel') cancelled.push(f.piece)
    })
    swarm.addConnection(downEnd)
    const bitfield = new Bitfield(40, undefined, true).bytes
    slow.send(encodeFrame({ kind: 'hello', cidDigest, hasManifest: true, pieceCount: 40, bitfield }))
    await expect.poll(() => requested).toContain(20)
    // The fast peer holds only the window; it takes the window pieces the slow one was not asked for.
    const fast = await holder(drop, { pieces: range(20, 28), seed: 5 })
    link(fast, swarm, ['fast', 'down'])
    const notAskedOfSlow = range(20, 28).filter((i) => !requested.includes(i))
    expect(notAskedOfSlow.length).toBeGreaterThan(0)
    await expect.poll(() => swarm.bytesDown).toBeGreaterThanOrEqual(notAskedOfSlow.length * PIECE)
    // Before HEAD_STALL_MS nothing is fetched twice.
    expect(swarm.bytesDown).toBe(notAskedOfSlow.length * PIECE)
    expect(cancelled).toEqual([])
    clock.advance(Math.max(HEAD_STALL_MS, TICK_MS)) // far below the request timeout
    // Virtual time also runs the batch writer's flush (WRITE_BATCH_DELAY_MS) for the pieces that arrive.
    const windowHeld = () => range(20, 28).every((i) => swarm.have!.has(i))
    await expect
      .poll(() => {
        clock.advance(WRITE_BATCH_DELAY_MS)
        return windowHeld()
      })
      .toBe(true)
    await expect.poll(() => cancelled).toContain(20)
    expect(slow.closed).toBe(false)
  })

  it('refuses a window out of range, empty or malformed, with a clear error, and keeps the one set', async () => {
    const drop = await makeDrop(40 * (PIECE - 16), PIECE)
    const early = fresh(drop, 6).swarm
    expect(() => early.prioritize([{ first: 0, end: 1 }])).toThrow(/before the manifest is known/)
    const { swarm, order } = await reader(drop, 7)
    swarm.prioritize([{ first: 30, end: 38 }])
    const bad: unknown[] = [
      [],
      [{ first: 38, end: 41 }],
      [{ first: -1, end: 2 }],
      [{ first: 5, end: 5 }],
      [{ first: 6, end: 2 }],
      [{ first: 0.5, end: 2 }],
      [{ first: Number.NaN, end: 2 }],
      [{ first: '0', end: 2 }],
      [null],
      { first: 0, end: 2 },
      Array.from({ length: MAX_WINDOW_RANGES + 1 }, () => ({ first: 0, end: 1 })),
    ]
    for (const ranges of bad) {
      expect(() => swarm.prioritize(ranges as never), JSON.stringify(ranges)).toThrow(
        expect.objectContaining({ name: 'PriorityWindowError' }),
      )
    }
    expect(() => swarm.prioritize([{ first: 38, end: 41 }])).toThrow(/piece range 38 … 41 is not within the drop's 40 pieces/)
    expect(() => swarm.prioritize([])).toThrow(/names no pieces/)
    link(await holder(drop, { seed: 8 }), swarm, ['seed', 'down'], LINK)
    await completed(swarm)
    expect(arrivedWhenAllOf(order, range(30, 38))).toBeLessThan(20)
  })

  it('releasing the window returns to rarest first; releasing a replaced one leaves the newer', async () => {
    const drop = await makeDrop(80 * (PIECE - 16), PIECE)
    // A seeder each: a lone seeder super-seeds its second downloader (super-seed.ts), which hides pieces from its window.
    const [seeder, other] = await Promise.all([holder(drop, { seed: 9 }), holder(drop, { seed: 12 })])
    const cleared = await reader(drop, 10)
    cleared.swarm.prioritize([{ first: 0, end: 10 }])()
    const replaced = await reader(drop, 11)
    const releaseOld = replaced.swarm.prioritize([{ first: 0, end: 10 }])
    replaced.swarm.prioritize([{ first: 70, end: 80 }])
    releaseOld()
    link(seeder, cleared.swarm, ['seed', 'cleared'], LINK)
    link(other, replaced.swarm, ['other', 'replaced'], LINK)
    await Promise.all([completed(cleared.swarm), completed(replaced.swarm)])
    // 10 of 80 pieces: rarest first puts about 2 of them among the first 16; a window puts all 10 there.
    expect(cleared.order.slice(0, 16).filter((i) => i < 10).length).toBeLessThanOrEqual(6)
    expect(replaced.order.slice(0, 16).filter((i) => i >= 70).length).toBeGreaterThanOrEqual(8)
  })
})

describe('waiting for a piece', () => {
  it('resolves when the piece is verified, bounds the readers waiting, and fails them when the swarm closes', async () => {
    const drop = await makeDrop(20 * (PIECE - 16), PIECE)
    const { swarm } = await reader(drop, 12)
    await expect(swarm.whenPiece(20)).rejects.toThrow(/piece 20 is not one of the drop's 20/)
    await expect(swarm.whenPiece(-1)).rejects.toMatchObject({ name: 'PieceWaitError' })
    const controller = new AbortController()
    const waits = range(0, MAX_PIECE_WAITERS - 1).map((i) => swarm.whenPiece(i % 20))
    const abortable = swarm.whenPiece(3, controller.signal)
    await expect(swarm.whenPiece(0)).rejects.toThrow(/more than 64 readers waiting/)
    controller.abort()
    await expect(abortable).rejects.toMatchObject({ name: 'AbortError' })
    const inFreedPlace = swarm.whenPiece(4)
    link(await holder(drop, { seed: 13 }), swarm, ['seed', 'down'])
    await Promise.all([...waits, inFreedPlace])
    await swarm.whenPiece(5) // already held: at once
    const { swarm: other } = await reader(drop, 14)
    const pending = other.whenPiece(2)
    other.close()
    await expect(pending).rejects.toThrow(/stopped fetching/)
    await expect(other.whenPiece(2)).rejects.toThrow(/stopped fetching/)
  })
})
