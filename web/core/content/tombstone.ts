/**
 * Revocation. The sharer's browser draws a random revoke secret and the
 * manifest commits to its SHA-256; a tombstone is the pair {CID, revoke
 * secret}. Anyone holding the manifest can check a tombstone, and nobody
 * without the secret can make one, so peers and the server act only on
 * tombstones that check out.
 */
import type { CryptoProvider } from '../crypto/provider.js'
import type { Manifest } from './manifest.js'
import { bytesEqual, randomBytes } from '../util/bytes.js'

export const REVOKE_SECRET_BYTES = 32

export function newRevokeSecret(): Uint8Array {
  return randomBytes(REVOKE_SECRET_BYTES)
}

export function revokeHashOf(crypto: CryptoProvider, secret: Uint8Array): Promise<Uint8Array> {
  return crypto.sha256(secret)
}

/** Whether `secret` revokes the drop this manifest describes. A drop made without a revoke hash cannot be revoked. */
export async function isValidTombstone(crypto: CryptoProvider, manifest: Manifest, secret: Uint8Array): Promise<boolean> {
  if (!manifest.revokeHash || secret.length !== REVOKE_SECRET_BYTES) return false
  return bytesEqual(await revokeHashOf(crypto, secret), manifest.revokeHash)
}
