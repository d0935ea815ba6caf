/**
 * The static layout of a blind mirror, version 1: what `swarmdrop export`
 * writes, `--mirror-dir` and any plain web server serve, and downloaders
 * fetch with one GET per file.
 *
 *     <base>/swarmdrop-v1/<CID>/manifest            the manifest's bytes (they hash to the CID)
 *     <base>/swarmdrop-v1/<CID>/pieces/<piece id>   one sealed piece; its id is the SHA-256 of these bytes, in hex
 *
 * Everything in it is ciphertext or a hash of ciphertext: a mirror learns
 * nothing a downloader's peers would not, and every file it serves is
 * checked against a hash the downloader already trusts, so a mirror cannot
 * make a downloader accept a wrong byte. The version is in the path so a
 * later layout can sit beside this one on the same host.
 */
import type { Cid } from './cid.js'
import { toHex } from './bytes.js'

export const MIRROR_LAYOUT_DIR = 'swarmdrop-v1'

/** The manifest's path under a mirror's base. */
export function mirrorManifestPath(cid: Cid): string {
  return `${MIRROR_LAYOUT_DIR}/${cid}/manifest`
}

/** A sealed piece's path under a mirror's base. */
export function mirrorPiecePath(cid: Cid, pieceId: Uint8Array): string {
  return `${MIRROR_LAYOUT_DIR}/${cid}/pieces/${toHex(pieceId)}`
}
