import { describe, expect, it } from 'vitest'
import { type Manifest, decodeManifest, encodeManifest, manifestKeyOffsets, pieceCountFor, plainPieceLength } from './manifest.js'
import { InvalidManifestError } from './errors.js'
import { MAX_PIECES } from './limits.js'

function id(n: number): Uint8Array {
  return new Uint8Array(32).fill(n)
}

const PIECE = 16 * 1024
const base: Manifest = {
  version: 1,
  pieceSize: PIECE,
  totalSize: 3 * (PIECE - 16) + 5,
  pieceIds: [id(1), id(2), id(3), id(4)],
  encryptedMetadata: Uint8Array.of(9, 8, 7, 6, 5),
}

describe('manifest codec', () => {
  it('round-trips every optional field combination', () => {
    const variants: Manifest[] = [
      base,
      { ...base, expiresAt: 1_900_000_000_000 },
      { ...base, revokeHash: id(7) },
      { ...base, expiresAt: 0, revokeHash: id(8) },
      { ...base, totalSize: 0, pieceIds: [] },
      { ...base, mirrorKey: id(9) },
      { ...base, expiresAt: 5, revokeHash: id(8), mirrorKey: id(9) },
    ]
    for (const m of variants) {
      const bytes = encodeManifest(m)
      const back = decodeManifest(bytes)
      expect(back).toEqual({ ...m, expiresAt: m.expiresAt, revokeHash: m.revokeHash, mirrorKey: m.mirrorKey })
      // Canonical: re-encoding what was decoded gives the same bytes.
      expect(encodeManifest(back)).toEqual(bytes)
    }
  })

  it('gives the same bytes for the same input', () => {
    expect(encodeManifest({ ...base })).toEqual(encodeManifest({ ...base, pieceIds: base.pieceIds.map((p) => p.slice()) }))
  })

  it('reads a manifest made before mirror keys unchanged, and finds both keys where a streamed check looks', () => {
    // The layout of a manifest without the mirror key is what it was: flags 0b11, the revoke hash right before the piece ids.
    const old = encodeManifest({ ...base, expiresAt: 7, revokeHash: id(8) })
    expect(old[4]).toBe(3)
    expect(old.length).toBe(18 + 5 + 8 + 32 + 4 * 32)
    expect(decodeManifest(old).mirrorKey).toBeUndefined()
    const bytes = encodeManifest({ ...base, expiresAt: 7, revokeHash: id(8), mirrorKey: id(9) })
    const { revokeHash, mirrorKey } = manifestKeyOffsets(bytes)
    expect(bytes.subarray(revokeHash!, revokeHash! + 32)).toEqual(id(8))
    expect(bytes.subarray(mirrorKey!, mirrorKey! + 32)).toEqual(id(9))
    expect(manifestKeyOffsets(encodeManifest({ ...base, mirrorKey: id(9) }))).toEqual({ revokeHash: null, mirrorKey: 18 + 5 })
    expect(() => encodeManifest({ ...base, mirrorKey: new Uint8Array(31) })).toThrow(InvalidManifestError)
  })

  it('computes piece counts and the short last piece', () => {
    expect(pieceCountFor(0, PIECE)).toBe(0)
    expect(pieceCountFor(PIECE - 16, PIECE)).toBe(1)
    expect(pieceCountFor(PIECE - 15, PIECE)).toBe(2)
    expect(plainPieceLength(base, 3)).toBe(5)
    expect(plainPieceLength(base, 0)).toBe(PIECE - 16)
  })

  it('rejects truncated, padded and altered bytes with InvalidManifestError', () => {
    const good = encodeManifest(base)
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['truncated header', good.slice(0, 10)],
      ['truncated ids', good.slice(0, good.length - 1)],
      ['trailing byte', Uint8Array.from([...good, 0])],
      ['bad magic', Uint8Array.from(good, (b, i) => (i === 0 ? 0x41 : b))],
      ['future version', Uint8Array.from(good, (b, i) => (i === 3 ? 2 : b))],
      ['unknown flag', Uint8Array.from(good, (b, i) => (i === 4 ? 8 : b))],
      ['mirror key flag without the key', Uint8Array.from(good, (b, i) => (i === 4 ? 4 : b))],
      ['piece size too small', Uint8Array.from(good, (b, i) => (i === 5 ? 13 : b))],
      ['piece size too large', Uint8Array.from(good, (b, i) => (i === 5 ? 23 : b))],
      ['flag without field', Uint8Array.from(good, (b, i) => (i === 4 ? 2 : b))],
    ]
    for (const [name, bytes] of cases) {
      expect(() => decodeManifest(bytes), name).toThrow(InvalidManifestError)
    }
  })

  it('rejects a total size that implies more pieces than the limit, before allocating them', () => {
    const good = encodeManifest(base)
    const huge = good.slice()
    new DataView(huge.buffer).setBigUint64(6, BigInt(MAX_PIECES + 1) * BigInt(PIECE))
    expect(() => decodeManifest(huge)).toThrow(InvalidManifestError)
  })

  it('refuses to encode inconsistent manifests', () => {
    expect(() => encodeManifest({ ...base, pieceIds: base.pieceIds.slice(1) })).toThrow(InvalidManifestError)
    expect(() => encodeManifest({ ...base, pieceSize: 3000 })).toThrow(InvalidManifestError)
    expect(() => encodeManifest({ ...base, pieceIds: [id(1), id(2), id(3), new Uint8Array(31)] })).toThrow(InvalidManifestError)
  })
})
