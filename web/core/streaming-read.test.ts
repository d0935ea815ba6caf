/**
 * Reading a file while its drop downloads (what a streaming save does):
 * the bytes come in order as the pieces arrive, the file's pieces are
 * fetched ahead of the rest, and a reader whose drop stops fails instead of
 * waiting forever. Real engines on memory links with a bandwidth, so a
 * download takes long enough to read during it; order is asserted by counts
 * of verified pieces, never by sleeping.
 */
import { describe, expect, it } from 'vitest'
import { MemorySignalingHub } from './signaling/memory-hub.js'
import { bytesSource } from './chunking/source.js'
import { parseLink } from './content/link.js'
import { concatBytes } from './util/bytes.js'
import { pseudoRandomBytes } from './util/random.js'
import { once } from './drop.fixtures.js'
import { useEngines } from './engine.fixtures.js'
import { PieceWaitError } from './swarm/piece-waiters.js'
import type { Drop } from './drop.js'

const PIECE = 16 * 1024
const CAPACITY = PIECE - 16
const engine = useEngines()
/** A link slow enough that a 100-piece drop takes a while, fast enough for a unit test. */
const LINK = { bytesPerSecond: 4 * 1024 * 1024 }

async function opened(files: [string, Uint8Array][]) {
  const hub = new MemorySignalingHub()
  const seeder = engine(hub)
  const { fragment } = await seeder.share(
    files.map(([name, bytes]) => bytesSource(name, bytes)),
    { pieceSize: PIECE },
  )
  const drop = await engine(hub, { link: LINK }).open(parseLink(fragment))
  const order: number[] = []
  drop.swarm.events.on('piece', (i) => order.push(i))
  await named(drop)
  return { drop, order }
}

function named(drop: Drop): Promise<void> {
  if (drop.state.files) return Promise.resolve()
  return new Promise((resolve) => drop.events.on('named', () => resolve()))
}

/** The file's bytes, and how many pieces had arrived (`order`) when the first of them came. */
async function readAll(drop: Drop, index: number, order: number[] = []): Promise<{ bytes: Uint8Array; firstAfterPieces: number }> {
  const parts: Uint8Array[] = []
  let firstAfterPieces = -1
  for await (const part of drop.readFile(drop.state.files![index])) {
    if (firstAfterPieces < 0) firstAfterPieces = order.length
    parts.push(part.slice())
  }
  return { bytes: concatBytes(parts), firstAfterPieces }
}

describe('reading a file while its drop downloads', () => {
  it('gives every byte in order, starting long before the drop is complete', async () => {
    const content = pseudoRandomBytes(200 * CAPACITY - 7, 1)
    const { drop, order } = await opened([['film.webm', content]])
    expect(drop.state.phase).not.toBe('complete')
    const { bytes, firstAfterPieces } = await readAll(drop, 0, order)
    expect(bytes).toEqual(content)
    // The reader's window puts the file's start first: its first 20 pieces are all here after
    // about 30 (what was in flight before reading began, and one rarest-first pick in four).
    // Rarest first alone has them all only near the end.
    const first20After = Math.max(...Array.from({ length: 20 }, (_, i) => order.indexOf(i))) + 1
    expect(first20After).toBeLessThan(45)
    expect(firstAfterPieces).toBeLessThan(40)
    await once(drop, 'complete')
  })

  it("fetches the file being read before the drop's other files", async () => {
    const first = pseudoRandomBytes(60 * CAPACITY, 2)
    const second = pseudoRandomBytes(40 * CAPACITY, 3)
    const { drop, order } = await opened([
      ['a.bin', first],
      ['b.bin', second],
    ])
    const { bytes } = await readAll(drop, 1)
    expect(bytes).toEqual(second)
    // b.bin is pieces 60…99. Read first, its 40 pieces are all here after about 53 (3 in 4 picks are the window's).
    const secondPieces = Array.from({ length: 40 }, (_, i) => 60 + i)
    const allOfSecondAfter = Math.max(...secondPieces.map((i) => order.indexOf(i))) + 1
    expect(allOfSecondAfter).toBeLessThan(75)
    await once(drop, 'complete')
  })

  it('fails, instead of waiting forever, when the drop stops before the pieces arrive', async () => {
    const { drop } = await opened([['big.bin', pseudoRandomBytes(100 * CAPACITY, 4)]])
    const reading = readAll(drop, 0)
    drop.stop()
    await expect(reading).rejects.toThrow(PieceWaitError)
  })

  it('reads a range of a file as it downloads, across piece boundaries, from the range first', async () => {
    const content = pseudoRandomBytes(200 * CAPACITY, 6)
    const { drop, order } = await opened([['lecture.webm', content]])
    const file = drop.state.files![0]
    // A seek to 80 %: bytes from the middle of piece 160 to the middle of piece 162.
    const start = 160 * CAPACITY + 100
    const end = 162 * CAPACITY + 5
    const parts: Uint8Array[] = []
    for await (const part of drop.readFile(file, undefined, { start, end })) parts.push(part.slice())
    expect(concatBytes(parts)).toEqual(content.subarray(start, end))
    expect(Math.max(order.indexOf(160), order.indexOf(161), order.indexOf(162)) + 1).toBeLessThan(30)
    // Ranges outside the file, reversed or not whole numbers are refused before anything is read.
    for (const bad of [
      { start: -1, end: 5 },
      { start: 5, end: 4 },
      { start: 0, end: content.length + 1 },
      { start: 0.5, end: 9 },
    ]) {
      await expect(drop.readFile(file, undefined, bad).next()).rejects.toThrow(RangeError)
    }
    expect((await drop.readFile(file, undefined, { start: 7, end: 7 }).next()).done).toBe(true)
    await once(drop, 'complete')
  })

  it("keeps the window on a player's range when a save starts reading the same file from the start", async () => {
    const content = pseudoRandomBytes(200 * CAPACITY, 7)
    const { drop, order } = await opened([['film.webm', content]])
    const file = drop.state.files![0]
    const start = 150 * CAPACITY
    const playing = drop.readFile(file, undefined, { start, end: start + 20 * CAPACITY }, true)
    const parts = [(await playing.next()).value!.slice()]
    const save = readAll(drop, 0) // pressed while the player reads: it must not take the window
    for await (const part of playing) parts.push(part.slice())
    expect(concatBytes(parts)).toEqual(content.subarray(start, start + 20 * CAPACITY))
    // With the save's window instead (pieces 0…127), the player's 20 pieces would come one pick in four.
    const playedAfter = Math.max(...Array.from({ length: 20 }, (_, i) => order.indexOf(150 + i))) + 1
    expect(playedAfter).toBeLessThan(50)
    expect((await save).bytes).toEqual(content)
  })

  it("a read of held pieces leaves the window to the player's read that waits (the tail read right after a seek)", async () => {
    const content = pseudoRandomBytes(200 * CAPACITY, 8)
    const { drop, order } = await opened([['talk.webm', content]])
    const file = drop.state.files![0]
    const start = 150 * CAPACITY
    const playing = drop.readFile(file, undefined, { start, end: start + 20 * CAPACITY }, true)
    const parts = [(await playing.next()).value!.slice()]
    // A player asks for the file's last piece early; once it is held the player reads it, as after a seek.
    await drop.swarm.whenPiece(199)
    const tail: Uint8Array[] = []
    for await (const part of drop.readFile(file, undefined, { start: 199 * CAPACITY, end: content.length }, true)) tail.push(part.slice())
    expect(concatBytes(tail)).toEqual(content.subarray(199 * CAPACITY))
    for await (const part of playing) parts.push(part.slice())
    expect(concatBytes(parts)).toEqual(content.subarray(start, start + 20 * CAPACITY))
    // Had the tail read taken the window (and cleared it when done), the rest would come rarest first.
    const playedAfter = Math.max(...Array.from({ length: 20 }, (_, i) => order.indexOf(150 + i))) + 1
    expect(playedAfter).toBeLessThan(50)
    await once(drop, 'complete')
  })

  it('a read aborted while it waits frees its waits: many seeks never use up the swarm’s waiters', async () => {
    const { drop } = await opened([['film.webm', pseudoRandomBytes(200 * CAPACITY, 8)]])
    const file = drop.state.files![0]
    // 40 seeks, each read waiting on its own far piece (and 4 read-aheads): without the abort that is
    // 200 waits, past MAX_PIECE_WAITERS (64), and the later reads would fail with PieceWaitError.
    for (let seek = 0; seek < 40; seek++) {
      const stop = new AbortController()
      const start = (199 - seek) * CAPACITY
      const waiting = drop.readFile(file, stop.signal, { start, end: start + 10 }, true).next()
      stop.abort()
      await expect(waiting).rejects.toThrow(/abort/i)
    }
    const start = 100 * CAPACITY
    const parts: Uint8Array[] = []
    for await (const part of drop.readFile(file, undefined, { start, end: start + 10 }, true)) parts.push(part.slice())
    expect(concatBytes(parts).length).toBe(10)
  })

  it('reads a held drop at once, and an empty file as nothing', async () => {
    const { drop } = await opened([
      ['empty.txt', new Uint8Array(0)],
      ['one.bin', pseudoRandomBytes(3 * CAPACITY, 5)],
    ])
    await once(drop, 'complete')
    expect((await readAll(drop, 0)).bytes).toEqual(new Uint8Array(0))
    expect((await readAll(drop, 1)).bytes.length).toBe(3 * CAPACITY)
  })
})
