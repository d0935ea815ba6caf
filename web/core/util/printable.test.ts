import { describe, expect, it } from 'vitest'
import { printable } from './printable.js'

describe('printable text', () => {
  it('escapes what drives a terminal or reorders text, and nothing else', () => {
    expect(printable('\x1b]0;pwned\x07 a\r\nb\x7f\x9b \u202Efdp.exe \u2066\u200e\ud800')).toBe(
      '\\x1b]0;pwned\\x07 a\\x0d\\x0ab\\x7f\\x9b \\u202efdp.exe \\u2066\\u200e\\ud800',
    )
    expect(printable('Ærø/über ñ 👩\u200d💻 C:\\dir')).toBe('Ærø/über ñ 👩\u200d💻 C:\\dir')
    expect(printable(printable('\x1b'))).toBe('\\x1b')
  })
})
