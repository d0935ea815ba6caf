/**
 * Revocation. The sharer's browser draws a random revoke secret and the
 * manifest commits to its SHA-256; a tombstone is the pair {CID, revoke
 * secret}. Anyone holding the manifest can check a tombstone, and nobody
 * without the secret can make one, so peers and the server act only on
 * tombstones that check out. tombstoneFault is the one rule every checker
 * applies (peers here, the server through tombstone-stream.ts).
 */
import type { Sha256Provider } from './cid.js'
import type { Manifest } from './manifest.js'
import { bytesEqual, fromBase64Url } from './bytes.js'

export const REVOKE_SECRET_BYTES = 32
/** 32 bytes as base64url without padding: 43 characters, the last carrying 2 unused bits. */
const REVOKE_SECRET_TEXT = /^[A-Za-z0-9_-]{43}$/

/** `fillRandom` is the platform's CSPRNG (WebCrypto's getRandomValues): format/ assumes no platform. */
export function newRevokeSecret(fillRandom: (bytes: Uint8Array<ArrayBuffer>) => unknown): Uint8Array {
  const secret = new Uint8Array(REVOKE_SECRET_BYTES)
  fillRandom(secret)
  return secret
}

export function revokeHashOf(crypto: Sha256Provider, secret: Uint8Array): Promise<Uint8Array> {
  return crypto.sha256(secret)
}

/**
 * Why `secret` (whose SHA-256 is `secretHash`) does not revoke a drop whose
 * manifest commits to `revokeHash`, or null when it does. A drop made without
 * a revoke hash cannot be revoked. The manifest itself must already be known
 * to be the CID's.
 */
export function tombstoneFault(revokeHash: Uint8Array | undefined, secret: Uint8Array, secretHash: Uint8Array): string | null {
  if (!revokeHash) return 'this drop cannot be revoked'
  if (secret.length !== REVOKE_SECRET_BYTES || !bytesEqual(secretHash, revokeHash)) return 'the revoke secret does not match this drop'
  return null
}

/** Whether `secret` revokes the drop this manifest describes. */
export async function isValidTombstone(crypto: Sha256Provider, manifest: Manifest, secret: Uint8Array): Promise<boolean> {
  if (!manifest.revokeHash || secret.length !== REVOKE_SECRET_BYTES) return false
  return tombstoneFault(manifest.revokeHash, secret, await revokeHashOf(crypto, secret)) === null
}

/**
 * The revoke secret a server sends as text, or null if it is not 32 bytes of
 * base64url. Lenient about the last character's unused bits: a server (Node's
 * Buffer) accepts all four spellings of the same secret and may hand on any
 * of them. That is safe because the secret is only ever checked against the
 * manifest's revoke hash; refusing a spelling would let a stranger who
 * re-sends the tombstone spelled otherwise keep every peer that comes back
 * from deleting the drop.
 */
export function revokeSecretFromText(text: string): Uint8Array | null {
  if (!REVOKE_SECRET_TEXT.test(text)) return null
  const secret = new Uint8Array(REVOKE_SECRET_BYTES)
  secret.set(fromBase64Url(text.slice(0, 40))) // 30 bytes, no spare bits
  // The last 3 characters and a zero character: 3 bytes, of which the first 2 are the secret's last 2.
  secret.set(fromBase64Url(`${text.slice(40)}A`).subarray(0, 2), 30)
  return secret
}
