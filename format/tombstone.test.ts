import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { cidFromDigest } from './cid.js'
import { toBase64Url } from './bytes.js'
import { type Manifest, encodeManifest } from './manifest.js'
import { isValidTombstone, revokeSecretFromText } from './tombstone.js'
import { TombstoneCheck } from './tombstone-stream.js'

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest())
const crypto = { sha256: async (b: Uint8Array) => sha256(b) }
const secret = new Uint8Array(randomBytes(32))

function manifest(revokeHash: Uint8Array | undefined): Manifest {
  const pieceIds = Array.from({ length: 7 }, () => new Uint8Array(randomBytes(32)))
  return {
    version: 1,
    pieceSize: 2 ** 14,
    totalSize: 100_000,
    pieceIds,
    encryptedMetadata: new Uint8Array(300),
    expiresAt: 1e12,
    revokeHash,
  }
}

/** The streaming check's verdict on `bytes` fed in parts of `partBytes`. */
function streamed(bytes: Uint8Array, tombstoneSecret: Uint8Array, partBytes: number, cid = cidFromDigest(sha256(bytes))): string | null {
  const check = new TombstoneCheck(cid, toBase64Url(tombstoneSecret), bytes.length, () => createHash('sha256'))
  for (let at = 0; at < bytes.length; at += partBytes) check.push(bytes.subarray(at, at + partBytes))
  return check.verdict()
}

describe('the tombstone rule', () => {
  it('gives the same answer streamed in parts of any size as on a decoded manifest', async () => {
    const m = manifest(sha256(secret))
    const bytes = encodeManifest(m)
    const wrong = new Uint8Array(randomBytes(32))
    expect(await isValidTombstone(crypto, m, secret)).toBe(true)
    expect(await isValidTombstone(crypto, m, wrong)).toBe(false)
    // Part sizes that split the header and the revoke hash at every offset.
    for (const partBytes of [1, 5, 17, 18, 31, 32, 33, 100, 333, bytes.length]) {
      expect(streamed(bytes, secret, partBytes), `parts of ${partBytes}`).toBeNull()
      expect(streamed(bytes, wrong, partBytes)).toBe('the revoke secret does not match this drop')
    }
  })

  it('refuses a drop without a revoke hash, a short secret and a manifest that is not the CID’s', async () => {
    const unrevocable = manifest(undefined)
    expect(await isValidTombstone(crypto, unrevocable, secret)).toBe(false)
    expect(streamed(encodeManifest(unrevocable), secret, 64)).toBe('this drop cannot be revoked')
    const m = manifest(sha256(secret.subarray(0, 31)))
    expect(await isValidTombstone(crypto, m, secret.subarray(0, 31))).toBe(false)
    expect(streamed(encodeManifest(m), secret.subarray(0, 31), 64)).toBe('the revoke secret does not match this drop')
    const other = cidFromDigest(sha256(encodeManifest(manifest(sha256(secret)))))
    expect(streamed(encodeManifest(manifest(sha256(secret))), secret, 64, other)).toBe('the manifest does not match the CID')
  })

  it('reads a 43-character secret from text, and refuses more bytes than announced', () => {
    expect(revokeSecretFromText(toBase64Url(secret))).toEqual(secret)
    expect(revokeSecretFromText(toBase64Url(secret).slice(1))).toBeNull()
    const bytes = encodeManifest(manifest(sha256(secret)))
    const check = new TombstoneCheck(cidFromDigest(sha256(bytes)), toBase64Url(secret), bytes.length - 1, () => createHash('sha256'))
    expect(() => check.push(bytes)).toThrow(RangeError)
  })
})
