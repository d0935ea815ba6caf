/**
 * Byte arrays compare as bytes. Vitest's default deep equality walks a typed
 * array element by element through its generic machinery: 2 s for 300 KB on a
 * loaded 2-core machine, which made store and codec tests time out. This
 * tester answers for two byte arrays in one tight loop (and leaves every other
 * pair to the default), so `toEqual` stays the way tests compare bytes.
 */
import { expect } from 'vitest'

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

expect.addEqualityTesters([
  function bytesEqual(a: unknown, b: unknown): boolean | undefined {
    if (!isBytes(a) || !isBytes(b)) return undefined
    if (a.constructor !== b.constructor || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
    return true
  },
])
