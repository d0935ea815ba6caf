/** The field validators every message schema is built from, and the error a bad message raises. */
import { CID_PATTERN } from '../format/cid.js'
import { MAX_SIGNAL_MESSAGE_BYTES } from './limits.js'

/**
 * A revoke secret: 32 random bytes as canonical base64url. The last of the 43
 * characters carries 4 bits and 2 spare ones, which must be zero: otherwise one
 * secret has four spellings, and a lenient decoder takes them all.
 */
export const REVOKE_SECRET_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/
/** Server-assigned peer ids: 16 random bytes, base64url. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

export type ErrorCode =
  | 'bad-message'
  | 'too-large'
  | 'protocol-mismatch'
  | 'unknown-peer'
  | 'too-many-swarms'
  | 'rate-limited'
  | 'relay-disabled'
  | 'relay-budget'
  | 'bad-tombstone'
  | 'bad-mirror-list'
  | 'not-in-swarm'
  | 'not-a-pin-node'
  | 'internal'

/** A message that failed validation, with the code to answer it with. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export type Fields = Record<string, unknown>
/** One message type's validator: the parsed JSON object in, the typed message out, or a ProtocolError. */
export type Schema<M> = (m: Fields) => M

export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function parseJson(text: string): Fields {
  if (text.length > MAX_SIGNAL_MESSAGE_BYTES) {
    throw new ProtocolError('too-large', `message exceeds ${MAX_SIGNAL_MESSAGE_BYTES} bytes`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ProtocolError('bad-message', 'message is not valid JSON')
  }
  if (!isObject(value)) throw new ProtocolError('bad-message', 'message must be a JSON object')
  return value
}

export function cidField(value: unknown): string {
  if (typeof value !== 'string' || !CID_PATTERN.test(value)) {
    throw new ProtocolError('bad-message', '"cid" must be a base32 CIDv1 string')
  }
  return value
}

export function peerField(value: unknown, name: string): string {
  if (typeof value !== 'string' || !PEER_ID_PATTERN.test(value)) {
    throw new ProtocolError('bad-message', `"${name}" must be a peer id`)
  }
  return value
}

export function revokeSecretField(value: unknown): string {
  if (typeof value !== 'string' || !REVOKE_SECRET_PATTERN.test(value)) {
    throw new ProtocolError('bad-message', '"secret" must be 32 bytes as canonical base64url')
  }
  return value
}

export function countField(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new ProtocolError('bad-message', `"${name}" must be a count`)
  return value
}

/** Text a peer may put in a message, cut to `max` characters; anything else is ''. */
export function shortText(value: unknown, max: number): string {
  return typeof value === 'string' ? value.slice(0, max) : ''
}

/** Looks up the schema for `m.type` and applies it. */
export function parseWith<M>(schemas: Record<string, Schema<M>>, m: Fields, unknownMessage: string): M {
  const type = typeof m.type === 'string' ? m.type : ''
  if (!Object.hasOwn(schemas, type)) throw new ProtocolError('bad-message', unknownMessage)
  return schemas[type](m)
}
