/**
 * A drop whose file list the test chooses, written into a CLI store as a
 * blind copy that `swarmdrop seed` serves: what a sender with a modified
 * client can make (it skips every check ingest does on names, on purpose),
 * or under a secret the test derived, as an older version would have.
 */
import { webCryptoProvider } from '../web/core/crypto/provider.js'
import { deriveKeys, newSecret } from '../web/core/crypto/keys.js'
import { sealMetadata, sealPiece } from '../web/core/crypto/envelope.js'
import { MANIFEST_VERSION, MIN_PIECE_SIZE_LOG2 } from '../format/limits.js'
import { encodeManifest, pieceCapacity } from '../format/manifest.js'
import { type Cid, cidFromDigest, digestOfCid } from '../format/cid.js'
import { formatFragment } from '../web/core/content/link.js'
import { openDiskStore } from './disk-store.js'
import { openDiskLibrary } from './disk-library.js'

/** Writes the drop into `storeDir`; returns its CID and link fragment. Files must fit one 16 KiB piece. */
export async function writeCraftedDrop(
  storeDir: string,
  files: readonly { path: string; bytes: Uint8Array }[],
  secret = newSecret(),
): Promise<{ cid: Cid; fragment: string }> {
  const crypto = webCryptoProvider()
  const keys = await deriveKeys(crypto, secret)
  const pieceSize = 2 ** MIN_PIECE_SIZE_LOG2
  const plain = new Uint8Array(Buffer.concat(files.map((f) => f.bytes)))
  if (plain.length > pieceCapacity(pieceSize)) throw new RangeError('a crafted drop holds one piece')
  const disk = await openDiskStore(storeDir)
  const sealed = await sealPiece(crypto, keys.pieceKey, 0, plain)
  const pieceId = await crypto.sha256(sealed)
  const list = JSON.stringify({ files: files.map((f) => ({ path: f.path, size: f.bytes.length, type: '' })) })
  const manifestBytes = encodeManifest({
    version: MANIFEST_VERSION,
    pieceSize,
    totalSize: plain.length,
    pieceIds: [pieceId],
    encryptedMetadata: await sealMetadata(crypto, keys.metaKey, new TextEncoder().encode(list)),
  })
  const cid = cidFromDigest(await crypto.sha256(manifestBytes))
  const chunks = disk.drop(digestOfCid(cid))
  await chunks.put(pieceId, sealed)
  await chunks.put(digestOfCid(cid), manifestBytes)
  await disk.close()
  const library = await openDiskLibrary(storeDir)
  await library.put({ cid, role: 'pinned', secret: null, name: null, totalBytes: plain.length, addedAt: Date.now(), seeding: true })
  return { cid, fragment: formatFragment({ cid, secret }) }
}
