/**
 * Content identifiers: a CIDv1 (raw codec, sha2-256 multihash) of the
 * manifest bytes, as multibase base32 text ("bafkrei…", 59 characters).
 * Using the real CID format costs nothing and lets standard tools read it.
 */
import { bytesEqual, fromBase32, toBase32 } from './bytes.js'

const PREFIX = Uint8Array.of(0x01, 0x55, 0x12, 0x20) // CIDv1, raw, sha2-256, 32-byte digest
export const CID_PATTERN = /^b[a-z2-7]{58}$/

/** A CID in its canonical text form. A branded string so a raw string is not taken by mistake. */
export type Cid = string & { readonly __cid: unique symbol }

export function cidFromDigest(digest: Uint8Array): Cid {
  if (digest.length !== 32) throw new RangeError('sha-256 digest must be 32 bytes')
  const bytes = new Uint8Array(PREFIX.length + 32)
  bytes.set(PREFIX)
  bytes.set(digest, PREFIX.length)
  return ('b' + toBase32(bytes)) as Cid
}

/** Returns the digest, or throws TypeError when `text` is not a CID of this kind. */
export function digestOfCid(text: string): Uint8Array {
  if (!CID_PATTERN.test(text)) throw new TypeError('not a base32 CIDv1')
  const bytes = fromBase32(text.slice(1))
  if (bytes.length !== 36 || !bytesEqual(bytes.subarray(0, 4), PREFIX)) throw new TypeError('not a raw sha2-256 CIDv1')
  return bytes.subarray(4)
}

export function isCid(text: string): text is Cid {
  try {
    digestOfCid(text)
    return true
  } catch {
    return false
  }
}

/** Whatever computes SHA-256 for the caller (the engine's CryptoProvider): the format brings no crypto of its own. */
export interface Sha256Provider {
  sha256(data: Uint8Array): Promise<Uint8Array>
}

export async function cidOf(crypto: Sha256Provider, manifestBytes: Uint8Array): Promise<Cid> {
  return cidFromDigest(await crypto.sha256(manifestBytes))
}
