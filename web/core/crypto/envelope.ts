/**
 * The piece envelope: AES-256-GCM with a nonce made from the piece index and
 * the format version plus index as additional data.
 *
 * Layout of a sealed piece: ciphertext ‖ 16-byte GCM tag (no header; the index
 * is known from the manifest position, the version from the manifest).
 *
 * Nonce = 4 zero bytes ‖ index as u64 big-endian. Reusing a nonce under one key
 * is what breaks GCM; every drop has its own random key and each index is used
 * once, so a deterministic nonce is safe, and it makes ingest deterministic:
 * the same bytes under the same secret give the same piece ids (idempotent
 * re-share and resume).
 *
 * The AAD binds a piece to its position: a peer cannot swap pieces i and j
 * even if it could somehow get both hashes accepted.
 */
import type { AeadKey, CryptoProvider } from './provider.js'

export const ENVELOPE_VERSION = 1
export const GCM_TAG_BYTES = 16

const META_NONCE = new Uint8Array(12).fill(0xff)
const META_AAD = new TextEncoder().encode('swarmdrop/v1 metadata')

function pieceNonce(index: number): Uint8Array {
  const nonce = new Uint8Array(12)
  new DataView(nonce.buffer).setBigUint64(4, BigInt(index))
  return nonce
}

function pieceAad(index: number): Uint8Array {
  const aad = new Uint8Array(5)
  aad[0] = ENVELOPE_VERSION
  new DataView(aad.buffer).setUint32(1, index)
  return aad
}

export function sealPiece(crypto: CryptoProvider, key: AeadKey, index: number, plaintext: Uint8Array): Promise<Uint8Array> {
  return crypto.encrypt(key, pieceNonce(index), pieceAad(index), plaintext)
}

export function openPiece(crypto: CryptoProvider, key: AeadKey, index: number, sealed: Uint8Array): Promise<Uint8Array> {
  return crypto.decrypt(key, pieceNonce(index), pieceAad(index), sealed)
}

/**
 * The metadata key encrypts exactly one message per secret (the drop's file
 * list), so a fixed nonce is safe; it is distinct from every piece nonce anyway.
 */
export function sealMetadata(crypto: CryptoProvider, key: AeadKey, plaintext: Uint8Array): Promise<Uint8Array> {
  return crypto.encrypt(key, META_NONCE, META_AAD, plaintext)
}

export function openMetadata(crypto: CryptoProvider, key: AeadKey, sealed: Uint8Array): Promise<Uint8Array> {
  return crypto.decrypt(key, META_NONCE, META_AAD, sealed)
}
