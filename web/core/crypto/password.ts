/**
 * Password-protected links: the link secret is derived from the password and
 * a random salt (carried in the link) with scrypt, so the link alone opens
 * nothing. Every guess costs the guesser the same work; guesses stay in the
 * browser (a wrong one shows when the file list fails to decrypt).
 */
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { SECRET_BYTES } from './keys.js'
import { randomBytes } from '../util/bytes.js'
import { SALT_BYTES } from '../content/link.js'

/** N = 2^16, r = 8: ~64 MiB and about a second in a browser, per guess. */
const SCRYPT = { N: 2 ** 16, r: 8, p: 1, dkLen: SECRET_BYTES }

export function newSalt(): Uint8Array {
  return randomBytes(SALT_BYTES)
}

export function secretFromPassword(password: string, salt: Uint8Array, options: Partial<typeof SCRYPT> = {}): Promise<Uint8Array> {
  if (password.length === 0) throw new RangeError('the password is empty')
  return scryptAsync(new TextEncoder().encode(password.normalize('NFC')), salt, { ...SCRYPT, ...options })
}
