/**
 * Revocation: tombstones.
 *
 *   peer → server  { type: 'revoke', cid, secret, size }  the revoke secret, then the drop's manifest
 *                                                        (`size` bytes) in binary manifest-part
 *                                                        messages (relay.ts). The server hashes the
 *                                                        manifest against the CID and the secret
 *                                                        against the manifest's revoke hash: it holds
 *                                                        no key, and a forged tombstone is refused.
 *   server → peer  { type: 'revoked', cid, secret }       the owner revoked this drop: sent to every
 *                                                        member and in place of 'peers' for later
 *                                                        announces and lookups; each peer checks
 *                                                        `secret` against its own copy of the manifest
 */
import { MAX_MANIFEST_BYTES } from '../format/limits.js'
import { type Schema, ProtocolError, cidField, revokeSecretField } from './fields.js'

export type RevokeClientMessage = { type: 'revoke'; cid: string; secret: string; size: number }
export type RevokeServerMessage = { type: 'revoked'; cid: string; secret: string }

export const revokeClientSchemas: Record<'revoke', Schema<RevokeClientMessage>> = {
  revoke: (m) => {
    if (typeof m.size !== 'number' || !Number.isInteger(m.size) || m.size < 1 || m.size > MAX_MANIFEST_BYTES) {
      throw new ProtocolError('bad-message', `"size" must be a manifest size (1…${MAX_MANIFEST_BYTES} bytes)`)
    }
    return { type: 'revoke', cid: cidField(m.cid), secret: revokeSecretField(m.secret), size: m.size }
  },
}

export const revokeServerSchemas: Record<'revoked', Schema<RevokeServerMessage>> = {
  revoked: (m) => ({ type: 'revoked', cid: cidField(m.cid), secret: revokeSecretField(m.secret) }),
}
