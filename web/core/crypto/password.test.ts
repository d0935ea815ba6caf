/**
 * Password derivation against node:crypto's scrypt as an independent
 * reference: new links cost OWASP's minimum (N = 2^17, r = 8, p = 1), links
 * made before keep their N = 2^16.
 */
import { describe, expect, it } from 'vitest'
import { scryptSync } from 'node:crypto'
import { secretFromPassword } from './password.js'

const salt = Uint8Array.from({ length: 16 }, (_, i) => 200 - i)
const reference = (password: string, N: number) => new Uint8Array(scryptSync(password, salt, 32, { N, r: 8, p: 1, maxmem: 256 * 2 ** 20 }))

describe('password derivation', () => {
  it('makes new links’ secrets with scrypt N = 2^17, r = 8, p = 1', async () => {
    expect(await secretFromPassword('correct horse', salt)).toEqual(reference('correct horse', 2 ** 17))
  }, 30_000)

  it('opens links made before the cost rose with their own N = 2^16', async () => {
    expect(await secretFromPassword('correct horse', salt, 1)).toEqual(reference('correct horse', 2 ** 16))
  }, 30_000)

  it('takes the password in NFC, and refuses an empty one', async () => {
    expect(await secretFromPassword('Cafe\u0301', salt, 1)).toEqual(reference('Caf\u00e9', 2 ** 16))
    await expect(secretFromPassword('', salt)).rejects.toThrow(/empty/)
  }, 30_000)
})
