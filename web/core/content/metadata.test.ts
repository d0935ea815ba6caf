import { describe, expect, it } from 'vitest'
import { checkPath, decodeMetadata, encodeMetadata, fileSpans } from './metadata.js'
import { InvalidManifestError } from '../util/errors.js'

describe('file list', () => {
  it('round-trips nested paths and computes offsets', () => {
    const meta = {
      files: [
        { path: 'a.txt', size: 3, type: 'text/plain' },
        { path: 'photos/2024/ä b.jpg', size: 10, type: 'image/jpeg' },
      ],
    }
    const back = decodeMetadata(encodeMetadata(meta), 13)
    expect(back).toEqual(meta)
    expect(fileSpans(back).map((f) => f.offset)).toEqual([0, 3])
  })

  it.each(['', '/etc/passwd', '../up', 'a/../b', 'a//b', 'a/./b', 'a\\b', 'nul\0', 'x/'])('rejects unsafe path %j', (path) => {
    expect(() => checkPath(path)).toThrow(InvalidManifestError)
  })

  it('rejects sizes that do not add up, duplicates and junk', () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
    expect(() => decodeMetadata(enc({ files: [{ path: 'a', size: 1, type: '' }] }), 2)).toThrow(/add up/)
    expect(() =>
      decodeMetadata(enc({ files: [{ path: 'a', size: 1, type: '' }, { path: 'a', size: 1, type: '' }] }), 2),
    ).toThrow(/duplicate/)
    expect(() => decodeMetadata(enc({ files: [{ path: 'a', size: -1, type: '' }] }), -1)).toThrow(InvalidManifestError)
    expect(() => decodeMetadata(enc([1, 2]), 0)).toThrow(InvalidManifestError)
    expect(() => decodeMetadata(Uint8Array.of(0xff, 0xfe), 0)).toThrow(/JSON/)
  })
})
