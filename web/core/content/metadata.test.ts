import { describe, expect, it } from 'vitest'
import { checkPath, decodeMetadata, encodeMetadata, fileSpans } from './metadata.js'
import { InvalidManifestError } from '../../../format/errors.js'

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
      decodeMetadata(
        enc({
          files: [
            { path: 'a', size: 1, type: '' },
            { path: 'a', size: 1, type: '' },
          ],
        }),
        2,
      ),
    ).toThrow(/duplicate/)
    expect(() => decodeMetadata(enc({ files: [{ path: 'a', size: -1, type: '' }] }), -1)).toThrow(InvalidManifestError)
    expect(() => decodeMetadata(enc([1, 2]), 0)).toThrow(InvalidManifestError)
    expect(() => decodeMetadata(Uint8Array.of(0xff, 0xfe), 0)).toThrow(/JSON/)
  })

  const list = (...paths: string[]) =>
    new TextEncoder().encode(JSON.stringify({ files: paths.map((path) => ({ path, size: 1, type: '' })) }))

  // Each: a file list a malicious sender can craft, and the problem the refusal must name.
  it.each([
    ['ESC (terminal escape)', ['\x1b]0;pwned\x07x.txt'], /control character \(U\+001B\)/],
    ['CR', ['a\rb'], /control character \(U\+000D\)/],
    ['LF', ['a\nb'], /control character \(U\+000A\)/],
    ['NUL', ['nul\0'], /control character \(U\+0000\)/],
    ['DEL', ['a\x7fb'], /control character \(U\+007F\)/],
    ['C1 CSI', ['a\x9b2J'], /control character \(U\+009B\)/],
    ['line separator', ['a\u2028b'], /control character \(U\+2028\)/],
    ['right-to-left override', ['invoice\u202Efdp.exe'], /bidirectional control \(U\+202E\)/],
    ['left-to-right embedding', ['a\u202Ab'], /bidirectional control \(U\+202A\)/],
    ['first strong isolate', ['a\u2068b'], /bidirectional control \(U\+2068\)/],
    ['pop directional isolate', ['a\u2069b'], /bidirectional control \(U\+2069\)/],
    ['left-to-right mark', ['a\u200Eb'], /bidirectional control \(U\+200E\)/],
    ['right-to-left mark', ['a\u200Fb'], /bidirectional control \(U\+200F\)/],
    ['Arabic letter mark', ['a\u061Cb'], /bidirectional control \(U\+061C\)/],
    ['lone surrogate', ['a\ud800b'], /not valid Unicode/],
    ['colon (NTFS stream)', ['report.txt:hidden'], /contains ":"/],
    ['backslash', ['..\\..\\evil'], /contains "\\"/],
    ['question mark', ['why?.txt'], /contains "\?"/],
    ['CON', ['CON'], /device name on Windows/],
    ['aux.txt', ['docs/aux.txt'], /device name on Windows/],
    ['COM1', ['com1'], /device name on Windows/],
    ['LPT9', ['LPT9.log'], /device name on Windows/],
    ['NUL.tar.gz', ['NUL.tar.gz'], /device name on Windows/],
    ['Nul with trailing space before its extension', ['Nul .txt'], /device name on Windows/],
    ['COM superscript', ['COM\u00b9'], /device name on Windows/],
    ['trailing dot', ['a.'], /ends with a dot or a space/],
    ['trailing space', ['notes '], /ends with a dot or a space/],
    ['trailing space in a folder', ['dir /a'], /ends with a dot or a space/],
    ['empty component', ['a//b'], /empty part/],
    ['absolute path', ['/etc/passwd'], /empty part/],
    ['trailing slash', ['x/'], /empty part/],
    ['dot', ['a/./b'], /"\." part/],
    ['dot dot', ['a/../../b'], /"\.\." part/],
    ['too long', ['x'.repeat(256)], /longer than 255/],
    ['Café NFC and NFD', ['Caf\u00e9', 'Cafe\u0301'], /differ only in letter case or Unicode form/],
    ['a.txt and A.TXT', ['a.txt', 'A.TXT'], /differ only in letter case or Unicode form/],
    ['folders that differ in case', ['Docs/a', 'docs/b'], /folders "Docs" and "docs" differ only/],
    ['a file, then a folder, on one path', ['a', 'a/b'], /"a" is both a file and a folder/],
    ['a folder, then a file, on one path', ['a/b', 'A'], /"A" is both a file and a folder/],
    ['the same path twice', ['a', 'a'], /duplicate/],
  ])('refuses a file list with %s, naming the problem', (_, paths, problem) => {
    let error: unknown
    try {
      decodeMetadata(list(...paths), paths.length)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InvalidManifestError)
    expect((error as Error).message).toMatch(problem)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
    expect((error as Error).message).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/) // the message itself is safe to print
  })

  it('accepts names that are only unusual', () => {
    const paths = [
      '.bashrc',
      ' leading space',
      'emoji 👩\u200d💻.png',
      'Ærø/über ñ.txt',
      'con-artist.txt',
      'COM10',
      'x'.repeat(255),
      'a.b.c',
    ]
    expect(decodeMetadata(list(...paths), paths.length).files.map((f) => f.path)).toEqual(paths)
  })

  it('refuses a MIME type that would break a Content-Type header', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ files: [{ path: 'a', size: 1, type: 'text/plain\r\nSet-Cookie: x' }] }))
    expect(() => decodeMetadata(bytes, 1)).toThrow(/file type is invalid/)
  })

  it('refuses to encode a list a receiver would refuse', () => {
    expect(() =>
      encodeMetadata({
        files: [
          { path: 'a.txt', size: 1, type: '' },
          { path: 'A.txt', size: 1, type: '' },
        ],
      }),
    ).toThrow(/differ only in letter case/)
  })
})
