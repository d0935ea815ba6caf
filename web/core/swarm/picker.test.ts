import { describe, expect, it } from 'vitest'
import { pickRarest } from './picker.js'
import { Bitfield } from './bitfield.js'
import { seededRandom } from '../util/random.js'

function bitfield(size: number, indices: number[]): Bitfield {
  const b = new Bitfield(size)
  indices.forEach((i) => b.set(i))
  return b
}

describe('rarest-first picker', () => {
  // Availability: piece 0 held by 5 peers, 1 by 3, 2 by 1, 3 by 1, 4 by 2, 5 by 0 (nobody), 6 by 4.
  const availability = [5, 3, 1, 1, 2, 0, 4]

  it('picks the rarest piece the peer has and we want', () => {
    const peerHas = bitfield(7, [0, 1, 4, 6])
    expect(pickRarest({ peerHas, wanted: () => true, availability, random: seededRandom(1) })).toBe(4)
  })

  it('skips pieces we hold or are already fetching', () => {
    const peerHas = bitfield(7, [0, 1, 2, 3, 4])
    const wanted = (i: number) => i !== 2 && i !== 3
    expect(pickRarest({ peerHas, wanted, availability, random: seededRandom(1) })).toBe(4)
  })

  it('breaks ties uniformly at random, deterministically for a seed', () => {
    const peerHas = bitfield(7, [0, 2, 3])
    const counts = { 2: 0, 3: 0 } as Record<number, number>
    const random = seededRandom(7)
    for (let i = 0; i < 2000; i++) counts[pickRarest({ peerHas, wanted: () => true, availability, random })!]++
    expect(counts[2] + counts[3]).toBe(2000)
    expect(counts[2]).toBeGreaterThan(850)
    expect(counts[3]).toBeGreaterThan(850)
    const again = (seed: number) => pickRarest({ peerHas, wanted: () => true, availability, random: seededRandom(seed) })
    expect(again(3)).toBe(again(3))
  })

  it('returns undefined when the peer has nothing we want', () => {
    expect(pickRarest({ peerHas: bitfield(7, []), wanted: () => true, availability, random: Math.random })).toBeUndefined()
    expect(pickRarest({ peerHas: bitfield(7, [0, 1]), wanted: () => false, availability, random: Math.random })).toBeUndefined()
  })

  it('walks a whole availability map rarest first', () => {
    const peerHas = bitfield(7, [0, 1, 2, 3, 4, 5, 6])
    const taken = new Set<number>()
    const order: number[] = []
    for (let i = 0; i < 7; i++) {
      const next = pickRarest({ peerHas, wanted: (p) => !taken.has(p), availability, random: seededRandom(i) })!
      taken.add(next)
      order.push(availability[next])
    }
    expect(order).toEqual([...order].sort((a, b) => a - b))
  })
})
