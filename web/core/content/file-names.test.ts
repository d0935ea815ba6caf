import { describe, expect, it } from 'vitest'
import { checkFileList, makeNamesSafe } from './file-names.js'

const paths = (list: string[]) => list.map((path) => ({ path }))

describe('making a sender’s names safe', () => {
  it.each([
    ['notes ', 'notes'],
    ['dir /a.txt', 'dir/a.txt'],
    ['a...', 'a'],
    ['...', '_'],
    ['report.txt:hidden', 'report.txt_hidden'],
    ['why?.txt', 'why_.txt'],
    ['a<b>"c"|d*', 'a_b__c__d_'],
    ['x\\y', 'x_y'],
    ['\x1b[2Jclear', '_[2Jclear'],
    ['a\r\nb', 'a__b'],
    ['a\x9bb', 'a_b'],
    ['invoice\u202Efdp.exe', 'invoice_fdp.exe'],
    ['a\u2066b\u2069', 'a_b_'],
    ['a\ud800', 'a_'],
    ['CON', '_CON'],
    ['aux.txt', '_aux.txt'],
    ['NUL.tar.gz', '_NUL.tar.gz'],
    ['lpt9', '_lpt9'],
    ['com1 ', '_com1'],
    ['a//b', 'a/_/b'],
    ['a/../b', 'a/_/b'],
  ])('renames %j to %j', (from, to) => {
    const { files, renamed } = makeNamesSafe(paths([from]))
    expect(files[0].path).toBe(to)
    expect(renamed).toEqual([{ from, to }])
  })

  it('keeps names that are safe, and the objects with them', () => {
    const input = [
      { path: 'a/b.txt', read: () => 1 },
      { path: '.bashrc', read: () => 2 },
    ]
    const { files, renamed } = makeNamesSafe(input)
    expect(files[0]).toBe(input[0])
    expect(files[1]).toBe(input[1])
    expect(renamed).toEqual([])
  })

  it('keeps every other field when it renames', () => {
    const read = () => new Uint8Array(3)
    const { files } = makeNamesSafe([{ path: 'CON', size: 3, type: 'text/plain', read }])
    expect(files[0]).toEqual({ path: '_CON', size: 3, type: 'text/plain', read })
  })

  it('numbers names that would become one file, the first in sorted order keeping its own, and keeps a folder’s files together', () => {
    const { files } = makeNamesSafe(
      paths([
        'a.txt',
        'A.TXT',
        'a?.txt',
        'a_.txt',
        'Caf\u00e9',
        'Cafe\u0301',
        'Docs/1',
        'docs/2',
        'Docs/3',
        'x',
        'x/y',
        'dir:/a',
        'dir:/b',
      ]),
    )
    expect(files.map((f) => f.path)).toEqual([
      'a (2).txt',
      'A.TXT',
      'a_.txt',
      'a_ (2).txt',
      'Caf\u00e9 (2)',
      'Cafe\u0301',
      'Docs/1',
      'docs (2)/2',
      'Docs/3',
      'x',
      'x (2)/y',
      'dir_/a',
      'dir_/b',
    ])
  })

  it('gives one folder the same names whichever order its files are listed in', () => {
    const listed = ['d/Readme.md', 'd/README.md', 'd/a:b', 'd/a_b', 'D/x']
    const names = (list: string[]) => new Map(makeNamesSafe(paths(list)).files.map((f, i) => [list[i], f.path]))
    expect(names([...listed].reverse())).toEqual(names(listed))
  })

  it('always yields a list the receiver accepts', () => {
    const hostile = [
      'CON',
      'con',
      'Con.txt',
      'con.txt',
      'a ',
      'a',
      'a.',
      'A',
      'x:y',
      'x_y',
      'x?y',
      '\u202e',
      '\u202d',
      '_',
      'nul/nul',
      'nul/NUL',
      'f',
      'f/g',
      'F/g',
      'f (2)',
      'f (2)/h',
      '',
      '.',
      '..',
      '/',
      'a\nb/c\rd',
      'Caf\u00e9/x',
      'Cafe\u0301/x',
    ]
    const { files } = makeNamesSafe(paths(hostile))
    expect(() => checkFileList(files.map((f) => f.path))).not.toThrow()
    expect(files).toHaveLength(hostile.length)
  })
})
