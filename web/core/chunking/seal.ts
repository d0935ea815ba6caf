/**
 * Sealing a drop, as `share` and `export` both do: a revoke secret the
 * manifest commits to (and the mirror-list key derived from it), the link's secret (or one from a password and a
 * salt), ingest into a store, and the two links' fragments. One owner, so a
 * drop exported to a mirror is the same kind of drop as one shared.
 */
import { formatFragment, formatOwnerFragment, formatPasswordFragment } from '../content/link.js'
import { newSalt, secretFromPassword } from '../crypto/password.js'
import { newRevokeSecret, revokeHashOf } from '../../../format/tombstone.js'
import { mirrorPublicKey } from '../crypto/mirror-key.js'
import { type IngestOptions, type IngestResult, ingest } from './ingest.js'
import type { SourceFile } from './source.js'

export type SealOptions = Pick<IngestOptions, 'crypto' | 'store' | 'onProgress' | 'signal' | 'pieceSize' | 'secret' | 'expiresAt'> & {
  password?: string
  /** Mirrors the links name (base URLs ending in `/`). */
  mirrors?: readonly string[]
}

export interface Sealed {
  result: IngestResult
  revokeSecret: Uint8Array
  /** The link people are given. */
  fragment: string
  /** The owner's link: it also carries the revoke secret. */
  ownerFragment: string
}

export async function sealDrop(files: readonly SourceFile[], options: SealOptions): Promise<Sealed> {
  const { crypto, mirrors } = options
  // With a password the link carries a salt, and the secret comes from password and salt.
  const salt = options.password ? newSalt() : undefined
  const secret = salt ? await secretFromPassword(options.password!, salt) : options.secret
  const revokeSecret = newRevokeSecret((bytes) => globalThis.crypto.getRandomValues(bytes))
  const [revokeHash, mirrorKey] = await Promise.all([revokeHashOf(crypto, revokeSecret), mirrorPublicKey(crypto, revokeSecret)])
  const result = await ingest(files, { ...options, secret, revokeHash, mirrorKey })
  const { cid } = result
  const fragment = salt ? formatPasswordFragment({ cid, salt, mirrors }) : formatFragment({ cid, secret: result.secret, mirrors })
  return { result, revokeSecret, fragment, ownerFragment: formatOwnerFragment({ cid, secret: result.secret, revokeSecret, mirrors }) }
}
