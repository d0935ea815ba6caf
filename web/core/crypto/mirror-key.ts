/**
 * The owner's mirror-list key: an Ed25519 key pair derived from the revoke
 * secret (HKDF-SHA-256, its own label), so whoever can revoke a drop — the
 * sharer's browser, an owner link, the CLI with the owner link — can sign
 * its mirror lists with nothing new to store. The manifest names the public
 * half (format/manifest.ts); the private half never leaves the owner.
 */
import type { CryptoProvider } from './provider.js'
import { REVOKE_SECRET_BYTES } from '../../../format/tombstone.js'
import { type MirrorList, signMirrorList } from '../../../format/mirror-list.js'

const encoder = new TextEncoder()
const HKDF_SALT = encoder.encode('swarmdrop/v1')
const HKDF_INFO = encoder.encode('mirror list signing key')

function mirrorSeed(crypto: CryptoProvider, revokeSecret: Uint8Array): Promise<Uint8Array> {
  if (revokeSecret.length !== REVOKE_SECRET_BYTES) throw new RangeError(`a revoke secret is ${REVOKE_SECRET_BYTES} bytes`)
  return crypto.hkdfSha256(revokeSecret, HKDF_SALT, HKDF_INFO, 32)
}

/** The public key a new drop's manifest names. */
export async function mirrorPublicKey(crypto: CryptoProvider, revokeSecret: Uint8Array): Promise<Uint8Array> {
  return crypto.ed25519.publicKey(await mirrorSeed(crypto, revokeSecret))
}

/** The list encoded and signed by the owner (format/mirror-list.ts). */
export async function signMirrorListAsOwner(crypto: CryptoProvider, revokeSecret: Uint8Array, list: MirrorList): Promise<Uint8Array> {
  const seed = await mirrorSeed(crypto, revokeSecret)
  return signMirrorList(list, (message) => crypto.ed25519.sign(seed, message))
}
