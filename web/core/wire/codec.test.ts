import { describe, expect, it } from 'vitest'
import { type Frame, decodeFrame, encodeFrame } from './codec.js'
import { MAX_BLOCK_BYTES, MAX_FRAME_BYTES } from './constants.js'
import { InvalidFrameError } from '../util/errors.js'
import { seededRandom } from '../util/random.js'

const digest = new Uint8Array(32).fill(0xab)

const frames: Frame[] = [
  { kind: 'hello', cidDigest: digest, hasManifest: false, pieceCount: 0, bitfield: new Uint8Array(0) },
  { kind: 'hello', cidDigest: digest, hasManifest: true, pieceCount: 0, bitfield: new Uint8Array(0) },
  { kind: 'hello', cidDigest: digest, hasManifest: true, pieceCount: 11, bitfield: Uint8Array.of(0xff, 0xe0) },
  { kind: 'have', piece: 4_000_000_000 },
  { kind: 'request', piece: 1, offset: 131072, length: 131072 },
  { kind: 'block', piece: 2, offset: 0, data: Uint8Array.of(1, 2, 3) },
  { kind: 'block', piece: 2, offset: 0, data: new Uint8Array(MAX_BLOCK_BYTES).fill(7) },
  { kind: 'cancel', piece: 3, offset: 5, length: 6 },
  { kind: 'reject', piece: 3, offset: 5, length: 6 },
  { kind: 'manifest-request', offset: 99 },
  { kind: 'manifest-part', total: 10, offset: 4, data: Uint8Array.of(1, 2, 3, 4, 5, 6) },
  { kind: 'close', reason: 'bye – ünïcode' },
  { kind: 'tombstone', secret: new Uint8Array(32).fill(5) },
]

describe('wire codec', () => {
  it.each(frames.map((f) => [f.kind, f] as const))('round-trips %s', (_, frame) => {
    const bytes = encodeFrame(frame)
    expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    expect(decodeFrame(bytes)).toEqual(frame)
  })

  it('refuses to encode a frame over the 256 KiB message limit', () => {
    expect(() => encodeFrame({ kind: 'block', piece: 0, offset: 0, data: new Uint8Array(MAX_BLOCK_BYTES + 1) })).toThrow(RangeError)
  })

  const bad: [string, number[]][] = [
    ['empty', []],
    ['header only', [1]],
    ['wrong version', [2, 2, 0, 0, 0, 1]],
    ['unknown kind', [1, 99]],
    ['short HAVE', [1, 2, 0, 0, 1]],
    ['short TOMBSTONE', [1, 10, ...new Array(31).fill(0)]],
    ['long HAVE', [1, 2, 0, 0, 0, 1, 0]],
    ['zero-length REQUEST', [1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['huge REQUEST', [1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x40, 0x00, 0x01]],
    ['empty BLOCK', [1, 4, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['truncated HELLO', [1, 1, ...new Array(30).fill(0)]],
  ]
  it.each(bad)('rejects %s with InvalidFrameError', (_, bytes) => {
    expect(() => decodeFrame(Uint8Array.from(bytes))).toThrow(InvalidFrameError)
  })

  it('rejects HELLO with spare bits, unknown flags, counts without a manifest and a wrong bitfield length', () => {
    const hello = (flags: number, count: number, bitfield: number[]) => {
      const out = new Uint8Array(39 + bitfield.length)
      out[0] = 1
      out[1] = 1
      out[34] = flags
      new DataView(out.buffer).setUint32(35, count)
      out.set(bitfield, 39)
      return out
    }
    expect(() => decodeFrame(hello(1, 3, [0xf0]))).toThrow(/spare bits/)
    expect(() => decodeFrame(hello(2, 0, []))).toThrow(/flags/)
    expect(() => decodeFrame(hello(0, 8, [0xff]))).toThrow(/without a manifest/)
    expect(() => decodeFrame(hello(1, 9, [0xff]))).toThrow(/must be/)
    expect(() => decodeFrame(hello(1, 1_000_000, []))).toThrow(/too many/)
  })

  it('cuts an overlong CLOSE reason to valid UTF-8 within the limit', () => {
    const frame = decodeFrame(encodeFrame({ kind: 'close', reason: 'é'.repeat(1000) }))
    expect(frame.kind === 'close' && frame.reason.length).toBeGreaterThan(200)
    expect(frame.kind === 'close' && /^é+$/.test(frame.reason)).toBe(true)
  })

  it('rejects a MANIFEST_PART that runs past its stated length', () => {
    const f = encodeFrame({ kind: 'manifest-part', total: 10, offset: 8, data: Uint8Array.of(1, 2) })
    const bad = f.slice()
    bad[9] = 9 // offset 9 + 2 bytes > 10
    expect(() => decodeFrame(bad)).toThrow(/past/)
  })

  it('never throws anything but InvalidFrameError on 20,000 random and mutated frames', () => {
    const rnd = seededRandom(42)
    const valid = frames.map(encodeFrame)
    let decoded = 0
    for (let i = 0; i < 20_000; i++) {
      let bytes: Uint8Array
      if (i % 2 === 0) {
        bytes = Uint8Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256))
        if (bytes.length > 1 && rnd() < 0.8) bytes[0] = 1
      } else {
        bytes = valid[i % valid.length].slice(0, 200)
        const flips = 1 + Math.floor(rnd() * 3)
        for (let j = 0; j < flips && bytes.length > 0; j++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256)
        if (rnd() < 0.3) bytes = bytes.subarray(0, Math.floor(rnd() * bytes.length))
      }
      let frame: Frame | undefined
      try {
        frame = decodeFrame(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidFrameError)
        continue
      }
      decoded++
      // Whatever decodes must re-encode to the same bytes (one wire form per frame).
      expect(encodeFrame(frame)).toEqual(bytes)
    }
    expect(decoded).toBeGreaterThan(100)
  })
})
