import { describe, expect, it } from 'vitest'
import { parseRange } from './range.js'

describe('parseRange', () => {
  it('reads the ranges a media element sends', () => {
    expect(parseRange('bytes=0-', 1000)).toEqual({ kind: 'part', start: 0, end: 1000 })
    expect(parseRange('bytes=0-0', 1000)).toEqual({ kind: 'part', start: 0, end: 1 })
    expect(parseRange('bytes=999-999', 1000)).toEqual({ kind: 'part', start: 999, end: 1000 })
    expect(parseRange('bytes=200-299', 1000)).toEqual({ kind: 'part', start: 200, end: 300 })
    expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'part', start: 900, end: 1000 })
  })

  it('clamps a range past the end, and a suffix longer than the file, to the file', () => {
    expect(parseRange('bytes=900-5000', 1000)).toEqual({ kind: 'part', start: 900, end: 1000 })
    expect(parseRange('bytes=-5000', 1000)).toEqual({ kind: 'part', start: 0, end: 1000 })
  })

  it('cannot satisfy a range that starts at or past the end, an empty suffix, or any range of an empty file', () => {
    expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=5000-6000', 1000)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' })
  })

  it('ignores what it does not understand and sends the whole file', () => {
    for (const header of [
      null,
      '',
      'bytes=',
      'bytes=-',
      'bytes=5-4',
      'bytes=0-1,5-6',
      'items=0-10',
      'bytes=a-b',
      'bytes=1e3-',
      'bytes=99999999999999999999-',
      'bytes= 0-1',
    ]) {
      expect(parseRange(header, 1000)).toEqual({ kind: 'whole' })
    }
  })
})
