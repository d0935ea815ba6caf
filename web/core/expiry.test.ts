/**
 * The engine's expiry on a manual clock: a holder deletes a drop when its
 * manifest's time comes, not a millisecond before, with no wall-time wait.
 */
import { describe, expect, it } from 'vitest'
import { MemorySignalingHub } from './signaling/memory-hub.js'
import { memoryStore } from './storage/memory-store.js'
import { bytesSource } from './chunking/source.js'
import { parseLink } from './content/link.js'
import { digestOfCid } from '../../format/cid.js'
import { once } from './drop.fixtures.js'
import { ManualClock } from './util/clock.js'
import { pseudoRandomBytes } from './util/random.js'
import { useEngines } from './engine.fixtures.js'

const engine = useEngines()

describe('expiry on the engine’s clock', () => {
  it('deletes the drop, record and pieces, when its time comes and not before', async () => {
    const clock = new ManualClock(Date.UTC(2030, 5, 1))
    const store = memoryStore()
    const a = engine(new MemorySignalingHub(), { store, clock })
    const expiresAt = clock.now() + 60_000
    const { fragment, drop } = await a.share([bytesSource('soon-gone.txt', pseudoRandomBytes(50_000, 13))], {
      pieceSize: 16_384,
      expiresAt,
    })
    const { cid } = parseLink(fragment)
    await once(drop, 'complete')
    const pieces = drop.swarm.manifest!.pieceIds

    clock.advance(59_999)
    expect(a.drop(cid)).toBe(drop)
    expect(drop.state.failure).toBeNull()
    expect(await a.library()).toHaveLength(1)

    const removed = new Promise((resolve) => a.events.on('library', resolve))
    clock.advance(1)
    await expect(once(drop, 'expired')).resolves.toEqual({ expiresAt })
    expect(a.drop(cid)).toBeUndefined()
    await removed
    expect(await a.library()).toEqual([])
    for (const id of [digestOfCid(cid), ...pieces]) expect(await store.drop(digestOfCid(cid)).has(id)).toBe(false)
  })
})
