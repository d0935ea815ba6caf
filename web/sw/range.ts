/**
 * An HTTP Range header (RFC 9110 §14) against a file of `size` bytes, as a
 * media element sends it: one range, `bytes=first-last`, `bytes=first-` or
 * `bytes=-suffix`. A header that is malformed, names another unit or several
 * ranges is ignored (the whole file is sent, as the RFC allows); a range
 * that starts at or past the end cannot be satisfied (416).
 */
export type RangeAnswer =
  | { readonly kind: 'whole' }
  /** Bytes start … end − 1. */
  | { readonly kind: 'part'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' }

const ONE_RANGE = /^bytes=(\d*)-(\d*)$/

export function parseRange(header: string | null, size: number): RangeAnswer {
  const match = header === null ? null : ONE_RANGE.exec(header.trim())
  if (!match) return { kind: 'whole' }
  const [, first, last] = match
  if (first === '' && last === '') return { kind: 'whole' }
  if (first === '') {
    // The last `last` bytes.
    const suffix = Number(last)
    if (!Number.isSafeInteger(suffix)) return { kind: 'whole' }
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'part', start: Math.max(0, size - suffix), end: size }
  }
  const start = Number(first)
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last) + 1
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) return { kind: 'whole' }
  if (start >= size) return { kind: 'unsatisfiable' }
  return { kind: 'part', start, end: Math.min(end, size) }
}
