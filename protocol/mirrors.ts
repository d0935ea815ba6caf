/**
 * Published mirror lists (format/mirror-list.ts): the owner's signed word on
 * which blind mirrors serve a drop, kept by the server for anyone to ask.
 *
 *   peer → server  { type: 'mirrors-publish', cid, list, size }  a signed list (base64url), then the
 *                                                        drop's manifest (`size` bytes) in binary
 *                                                        manifest-part messages (relay.ts), as for
 *                                                        'revoke'. The server checks the manifest
 *                                                        against the CID, the list's signature against
 *                                                        the manifest's mirror key, and that the list
 *                                                        is newer than the one it keeps.
 *   peer → server  { type: 'mirrors-get', cid }           asks for the list the server keeps
 *   server → peer  { type: 'mirrors', cid, list }         the list kept (null: none), the answer to both;
 *                                                        each peer checks it again against its manifest
 *
 * The server holds no key: the list's URLs are plaintext, which it (and
 * anyone who asks) can read.
 */
import { MAX_MANIFEST_BYTES } from '../format/limits.js'
import { MAX_MIRROR_LIST_BYTES } from '../format/mirror-list.js'
import { type Schema, ProtocolError, cidField } from './fields.js'

export type MirrorsClientMessage =
  | { type: 'mirrors-publish'; cid: string; list: string; size: number }
  | { type: 'mirrors-get'; cid: string }
export type MirrorsServerMessage = { type: 'mirrors'; cid: string; list: string | null }

/** A list as base64url text: at most the format's largest list. */
const LIST_TEXT = new RegExp(`^[A-Za-z0-9_-]{1,${Math.ceil((MAX_MIRROR_LIST_BYTES * 4) / 3)}}$`)

function listField(value: unknown): string {
  if (typeof value !== 'string' || !LIST_TEXT.test(value)) {
    throw new ProtocolError('bad-message', `"list" must be a mirror list (at most ${MAX_MIRROR_LIST_BYTES} bytes) as base64url`)
  }
  return value
}

export const mirrorsClientSchemas: Record<MirrorsClientMessage['type'], Schema<MirrorsClientMessage>> = {
  'mirrors-publish': (m) => {
    if (typeof m.size !== 'number' || !Number.isInteger(m.size) || m.size < 1 || m.size > MAX_MANIFEST_BYTES) {
      throw new ProtocolError('bad-message', `"size" must be a manifest size (1…${MAX_MANIFEST_BYTES} bytes)`)
    }
    return { type: 'mirrors-publish', cid: cidField(m.cid), list: listField(m.list), size: m.size }
  },
  'mirrors-get': (m) => ({ type: 'mirrors-get', cid: cidField(m.cid) }),
}

export const mirrorsServerSchemas: Record<'mirrors', Schema<MirrorsServerMessage>> = {
  mirrors: (m) => ({ type: 'mirrors', cid: cidField(m.cid), list: m.list === null ? null : listField(m.list) }),
}
