import { describe, expect, it } from 'vitest'
import { fromBase32, fromBase64Url, toBase32, toBase64Url } from './bytes.js'

/** `length` deterministic bytes that differ with `seed`. */
function sample(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 167 + seed * 31 + 7) & 0xff)
}

describe('byte encodings', () => {
  it('round-trips base32 and base64url for every length 0…40', () => {
    for (let n = 0; n <= 40; n++) {
      const b = sample(n, n)
      expect(fromBase32(toBase32(b))).toEqual(b)
      expect(fromBase64Url(toBase64Url(b))).toEqual(b)
    }
  })

  it('matches RFC 4648 test vectors', () => {
    const enc = new TextEncoder()
    expect(toBase32(enc.encode('foobar'))).toBe('mzxw6ytboi')
    expect(toBase64Url(enc.encode('foob'))).toBe('Zm9vYg')
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8')
  })

  it('rejects foreign characters and non-canonical trailing bits', () => {
    expect(() => fromBase32('MZXW')).toThrow(TypeError)
    expect(() => fromBase32('mzxw6ytboj')).toThrow(/non-canonical/)
    expect(() => fromBase64Url('Zm9vYh')).toThrow(/non-canonical/)
    expect(() => fromBase64Url('Zm9v+g')).toThrow(TypeError)
    expect(() => fromBase64Url('Z')).toThrow(TypeError)
  })
})
