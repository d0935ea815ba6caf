/**
 * Key derivation: one random 256-bit link secret yields the piece key and the
 * metadata key through HKDF-SHA-256 with distinct labels, so the two keys are
 * independent and neither reveals the secret.
 */
import type { AeadKey, CryptoProvider } from './provider.js'
import { randomBytes } from '../util/bytes.js'

export const SECRET_BYTES = 32

const encoder = new TextEncoder()
const HKDF_SALT = encoder.encode('swarmdrop/v1')

export interface DropKeys {
  readonly pieceKey: AeadKey
  readonly metaKey: AeadKey
}

export function newSecret(): Uint8Array {
  return randomBytes(SECRET_BYTES)
}

export async function deriveKeys(crypto: CryptoProvider, secret: Uint8Array): Promise<DropKeys> {
  if (secret.length !== SECRET_BYTES) throw new RangeError(`secret must be ${SECRET_BYTES} bytes`)
  const [pieceRaw, metaRaw] = await Promise.all([
    crypto.hkdfSha256(secret, HKDF_SALT, encoder.encode('piece key'), 32),
    crypto.hkdfSha256(secret, HKDF_SALT, encoder.encode('metadata key'), 32),
  ])
  const [pieceKey, metaKey] = await Promise.all([crypto.importAeadKey(pieceRaw), crypto.importAeadKey(metaRaw)])
  return { pieceKey, metaKey }
}
