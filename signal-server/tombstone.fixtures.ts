/** Tombstones for server tests: a real manifest with a revoke hash, sent the way clients send it. */
import { createHash, randomBytes } from 'node:crypto'
import type { TestClient } from './test-client.js'
import { MAX_MANIFEST_PART_BYTES, encodeManifestPart } from '../protocol/relay.js'
import { cidFromDigest } from '../format/cid.js'
import { encodeManifest, pieceCountFor } from '../format/manifest.js'

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest())

/**
 * A manifest whose 32-byte revoke hash straddles the first 256 KiB part boundary
 * (or, with a small `metadataBytes`, a manifest of one part: cheap to make by the hundred).
 */
export function drop(options: { revocable?: boolean; metadataBytes?: number } = {}) {
  const revokeSecret = randomBytes(32)
  const totalSize = 100_000
  const pieceSize = 2 ** 14
  const manifest = encodeManifest({
    version: 1,
    pieceSize,
    totalSize,
    pieceIds: Array.from({ length: pieceCountFor(totalSize, pieceSize) }, () => new Uint8Array(randomBytes(32))),
    encryptedMetadata: new Uint8Array(randomBytes(options.metadataBytes ?? MAX_MANIFEST_PART_BYTES - 10 - 18)),
    revokeHash: options.revocable === false ? undefined : sha256(revokeSecret),
  })
  return { manifest, cid: cidFromDigest(sha256(manifest)), secret: revokeSecret.toString('base64url') }
}

export function sendTombstone(client: TestClient, cid: string, secret: string, manifest: Uint8Array, size = manifest.length) {
  client.send({ type: 'revoke', cid, secret, size })
  for (let at = 0; at < manifest.length; at += MAX_MANIFEST_PART_BYTES) {
    client.ws.send(encodeManifestPart(manifest.subarray(at, at + MAX_MANIFEST_PART_BYTES)), { binary: true })
  }
}

/** The same 32 bytes in base64url with the spare low bits of the last character set: lenient decoders accept it. */
export function nonCanonical(secret: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  return secret.slice(0, -1) + alphabet[alphabet.indexOf(secret.at(-1)!) | 1]
}
