/**
 * Text from others (file names, server and peer messages) made safe to show:
 * on a terminal a raw ESC starts an escape sequence (it can retitle the
 * window, move the cursor, rewrite what was printed), CR and LF forge lines,
 * and bidirectional controls reorder what is displayed. Each such character is
 * shown as an escape instead: `\x1b`, `\u202e`. Backslashes are left as they
 * are, so escaping twice changes nothing.
 */

/** C0, DEL, C1, line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is what this is for
export const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
/** Marks, embeddings, overrides and isolates that reorder how text is displayed. */
export const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/
/** Half a surrogate pair: not a character, shown differently everywhere. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const UNPRINTABLE = new RegExp([CONTROL_CHAR, BIDI_CONTROL, LONE_SURROGATE].map((r) => r.source).join('|'), 'g')

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
