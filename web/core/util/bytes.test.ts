import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from './bytes.js'
import { seededRandom } from './random.js'

function sample(length: number, seed: number): Uint8Array {
  const rnd = seededRandom(seed)
  return Uint8Array.from({ length }, () => Math.floor(rnd() * 256))
}

describe('hex', () => {
  it('round-trips hex for every length 0…40', () => {
    for (let n = 0; n <= 40; n++) {
      const b = sample(n, n)
      expect(fromHex(toHex(b))).toEqual(b)
    }
  })

  it('rejects an odd length', () => {
    expect(() => fromHex('abc')).toThrow(TypeError)
  })
})
