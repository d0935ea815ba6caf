/**
 * What a stranger who knows a drop's CID can build: a manifest of their own
 * (their secret, their revoke hash, any expiry) whose piece ids are the
 * victim drop's, optionally with the victim's manifest digest among them,
 * plus one real piece of their own at the end so a holder has something to
 * fetch from them.
 */
import type { CryptoProvider } from './crypto/provider.js'
import { type Cid, cidFromDigest } from '../../format/cid.js'
import { MANIFEST_VERSION } from '../../format/limits.js'
import { type Manifest, encodeManifest, pieceCapacity } from '../../format/manifest.js'
import { encodeMetadata } from './content/metadata.js'
import { sealMetadata } from './crypto/envelope.js'
import { deriveKeys, newSecret } from './crypto/keys.js'
import { revokeHashOf } from '../../format/tombstone.js'
import { pseudoRandomBytes } from './util/random.js'

export interface CraftedDrop {
  cid: Cid
  secret: Uint8Array
  revokeSecret: Uint8Array
  manifest: Manifest
  bytes: Uint8Array
  /** The one piece only the crafted drop has (its last). */
  own: { id: Uint8Array; bytes: Uint8Array }
}

const OWN_PIECE_PLAIN_BYTES = 1_000

export async function craftDrop(
  crypto: CryptoProvider,
  victim: { manifest: Manifest; digest: Uint8Array },
  options: { listVictimManifest?: boolean; expiresAt?: number } = {},
): Promise<CraftedDrop> {
  const secret = newSecret()
  const revokeSecret = newSecret()
  const keys = await deriveKeys(crypto, secret)
  const own = pseudoRandomBytes(OWN_PIECE_PLAIN_BYTES + 16, 77) // sealed length of a 1,000-byte last piece
  const ownId = await crypto.sha256(own)
  const pieceIds = [...victim.manifest.pieceIds, ...(options.listVictimManifest ? [victim.digest] : []), ownId]
  const totalSize = (pieceIds.length - 1) * pieceCapacity(victim.manifest.pieceSize) + OWN_PIECE_PLAIN_BYTES
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    pieceSize: victim.manifest.pieceSize,
    totalSize,
    pieceIds,
    encryptedMetadata: await sealMetadata(
      crypto,
      keys.metaKey,
      encodeMetadata({ files: [{ path: 'bait.bin', size: totalSize, type: '' }] }),
    ),
    expiresAt: options.expiresAt,
    revokeHash: await revokeHashOf(crypto, revokeSecret),
  }
  const bytes = encodeManifest(manifest)
  return { cid: cidFromDigest(await crypto.sha256(bytes)), secret, revokeSecret, manifest, bytes, own: { id: ownId, bytes: own } }
}
