/** Published mirror lists for server tests: a real manifest with a mirror key, lists signed with it, sent the way clients send them. */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import type { TestClient } from './test-client.js'
import { MAX_MANIFEST_PART_BYTES, encodeManifestPart } from '../protocol/relay.js'
import { toBase64Url } from '../format/bytes.js'
import { cidFromDigest } from '../format/cid.js'
import { encodeManifest, pieceCountFor } from '../format/manifest.js'
import { signMirrorList } from '../format/mirror-list.js'

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest())

/** An Ed25519 key pair: the raw public key and a signer. */
export function ed25519KeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'))
  return { raw, sign: async (message: Uint8Array) => new Uint8Array(sign(null, message, privateKey)) }
}

/**
 * A drop whose manifest names a mirror key (none with `keyed: false`), its
 * mirror key straddling the first 256 KiB part boundary unless `metadataBytes` is small.
 */
export function ownedDrop(options: { keyed?: boolean; metadataBytes?: number } = {}) {
  const key = ed25519KeyPair()
  const totalSize = 100_000
  const pieceSize = 2 ** 14
  const manifest = encodeManifest({
    version: 1,
    pieceSize,
    totalSize,
    pieceIds: Array.from({ length: pieceCountFor(totalSize, pieceSize) }, () => new Uint8Array(randomBytes(32))),
    encryptedMetadata: new Uint8Array(randomBytes(options.metadataBytes ?? MAX_MANIFEST_PART_BYTES - 10 - 18)),
    mirrorKey: options.keyed === false ? undefined : key.raw,
  })
  const digest = sha256(manifest)
  /** The list `mirrors` numbered `seq`, signed by `signer` (the owner by default), as base64url. */
  const list = async (seq: number, mirrors: string[], signer = key.sign) =>
    toBase64Url(await signMirrorList({ cidDigest: digest, seq, mirrors }, signer))
  return { manifest, cid: cidFromDigest(digest), key, list }
}

export function sendMirrorList(client: TestClient, cid: string, list: string, manifest: Uint8Array, size = manifest.length) {
  client.send({ type: 'mirrors-publish', cid, list, size })
  for (let at = 0; at < manifest.length; at += MAX_MANIFEST_PART_BYTES) {
    client.ws.send(encodeManifestPart(manifest.subarray(at, at + MAX_MANIFEST_PART_BYTES)), { binary: true })
  }
}
