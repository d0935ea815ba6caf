/**
 * Super-seeding (super-seed.ts) over real swarms: what a lone seeder's HELLO
 * and HAVEs tell each peer, and that a crowd gets the file with the seeder
 * sending it about once.
 */
import { describe, expect, it } from 'vitest'
import type { Swarm } from './swarm.js'
import { memoryPair } from '../transport/memory.js'
import { digestOfCid } from '../../../format/cid.js'
import { decodeFrame, encodeFrame, type Frame } from '../wire/codec.js'
import { Bitfield } from './bitfield.js'
import { MAX_OFFERED } from './super-seed.js'
import { completed, expectContent, fresh, holder, link, makeDrop, range } from './swarm.fixtures.js'
import type { Connection } from '../transport/transport.js'

const PIECE = 16 * 1024
const PIECES = 40

/** A hand-driven peer of `seeder`: the frames it receives, and a way to send its own. */
function rawPeer(seeder: Swarm, id: string) {
  const [ours, theirs] = memoryPair(id, 'seeder')
  const frames: Frame[] = []
  ours.events.on('message', (m) => frames.push(decodeFrame(m)))
  seeder.addConnection(theirs)
  const haves = () => frames.filter((f) => f.kind === 'have').map((f) => (f as { piece: number }).piece)
  const hello = () => frames.find((f) => f.kind === 'hello') as Extract<Frame, { kind: 'hello' }> | undefined
  return { ours, frames, haves, hello, send: (f: Frame) => (ours as Connection).send(encodeFrame(f)) }
}

describe('super-seeding', () => {
  it('tells the first peer everything, then reveals a few scarce pieces at a time, and everything once a full copy is out', async () => {
    const drop = await makeDrop(PIECES * (PIECE - 16), PIECE)
    const seeder = await holder(drop)
    const cidDigest = digestOfCid(drop.result.cid)
    const nothing = new Bitfield(PIECES).bytes
    const first = rawPeer(seeder, 'first')
    await expect.poll(() => first.hello()).toBeDefined()
    expect(new Bitfield(PIECES, first.hello()!.bitfield).complete).toBe(true)

    const second = rawPeer(seeder, 'second')
    await expect.poll(() => second.hello()).toBeDefined()
    expect(new Bitfield(PIECES, second.hello()!.bitfield).count).toBe(0)
    second.send({ kind: 'hello', cidDigest, hasManifest: true, pieceCount: PIECES, bitfield: nothing })
    await expect.poll(() => second.haves().length).toBe(MAX_OFFERED)
    const offered = second.haves()

    // Getting one offered piece earns the next one, a piece not offered before.
    second.send({ kind: 'have', piece: offered[0] })
    await expect.poll(() => second.haves().length).toBe(MAX_OFFERED + 1)
    expect(offered).not.toContain(second.haves()[MAX_OFFERED])

    // A complete peer holds a full copy alone: super-seeding ends, and the second peer hears of every piece.
    const complete = rawPeer(seeder, 'complete')
    complete.send({
      kind: 'hello',
      cidDigest,
      hasManifest: true,
      pieceCount: PIECES,
      bitfield: new Bitfield(PIECES, undefined, true).bytes,
    })
    await expect.poll(() => new Set(second.haves()).size).toBe(PIECES)
  })

  it('a crowd gets the file with the seeder sending it about once; without super-seeding, several times', async () => {
    const drop = await makeDrop(PIECES * (PIECE - 16), PIECE)
    const sealed = drop.result.manifest.pieceIds.length * PIECE
    const uploads: Record<string, number> = {}
    for (const superSeed of [true, false]) {
      const seeder = await holder(drop, { superSeed })
      const crowd = range(0, 6).map((i) => fresh(drop, 20 + i))
      // The seeder's links are slow, the crowd's to each other fast: what the seeder sends twice is waste.
      crowd.forEach((d, i) => link(seeder, d.swarm, ['seeder', `d${i}`], { bytesPerSecond: 128 * 1024 }))
      for (let i = 0; i < crowd.length; i++)
        for (let j = i + 1; j < crowd.length; j++)
          link(crowd[i].swarm, crowd[j].swarm, [`d${i}`, `d${j}`], { bytesPerSecond: 2 * 1024 * 1024 })
      await Promise.all(crowd.map((d) => completed(d.swarm)))
      for (const d of crowd) await expectContent(drop, d.store)
      uploads[String(superSeed)] = seeder.bytesUp / sealed
      seeder.close()
    }
    console.log(`seeder upload ÷ file: ${uploads.true.toFixed(2)} super-seeding, ${uploads.false.toFixed(2)} without`)
    expect(uploads.true).toBeLessThan(1.6)
    expect(uploads.false).toBeGreaterThan(2)
  })
})
