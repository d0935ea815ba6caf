import { describe, expect, it } from 'vitest'
import { fileBytesHeld } from './file-progress.js'
import type { FileSpan } from '../content/metadata.js'

const span = (index: number, offset: number, size: number): FileSpan => ({ index, offset, size, path: `f${index}`, type: '' })

describe('per-file progress', () => {
  // Pieces of 10 bytes: a = [0, 25), b = [25, 25) empty, c = [25, 31), d = [31, 60)
  const files = [span(0, 0, 25), span(1, 25, 0), span(2, 25, 6), span(3, 31, 29)]

  it('counts each file’s bytes in held pieces, including pieces shared by two files', () => {
    expect(fileBytesHeld(files, 10, () => false)).toEqual([0, 0, 0, 0])
    expect(fileBytesHeld(files, 10, () => true)).toEqual([25, 0, 6, 29])
    // Piece 2 = [20, 30): 5 bytes of a, 5 of c. Piece 3 = [30, 40): 1 of c, 9 of d.
    expect(fileBytesHeld(files, 10, (p) => p === 2)).toEqual([5, 0, 5, 0])
    expect(fileBytesHeld(files, 10, (p) => p === 3 || p === 5)).toEqual([0, 0, 1, 9 + 10])
  })
})
