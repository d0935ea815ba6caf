/**
 * Relay frames: peer wire frames carried over the signaling WebSocket as
 * binary messages, when two peers cannot connect directly. The server only
 * reads the header; the payload is a wire frame whose piece data is sealed
 * (AES-GCM), so the relay never sees a key or a plaintext byte.
 *
 * | offset | bytes | field                                                   |
 * |--------|-------|---------------------------------------------------------|
 * | 0      | 1     | version (1)                                             |
 * | 1      | 1     | type: 1 = data                                          |
 * | 2      | 16    | peer id, raw: the recipient when a peer sends, the      |
 * |        |       | sender when the server delivers                         |
 * | 18     | 32    | CID digest: which swarm the frame belongs to            |
 * | 50     | n     | one peer wire frame                                     |
 *
 * Type 2 carries the next part of the manifest after a 'revoke' or a
 * 'mirrors-publish' message (protocol/signal.ts): version, type, then up to
 * 256 KiB of manifest bytes, in order. Manifests can reach several MiB, more than one message.
 */
import { fromBase64Url, toBase64Url } from '../format/bytes.js'
import { PEER_ID_PATTERN } from './signal.js'

export const RELAY_VERSION = 1
export const RELAY_DATA = 1
export const RELAY_MANIFEST_PART = 2
export const RELAY_HEADER_BYTES = 50
export const MAX_MANIFEST_PART_BYTES = 256 * 1024
/** One wire frame (256 KiB) plus the header. */
export const MAX_RELAY_MESSAGE_BYTES = RELAY_HEADER_BYTES + 256 * 1024

export interface RelayFrame {
  peer: string
  cidDigest: Uint8Array
  payload: Uint8Array
}

/** A peer id (22 base64url characters) as its 16 raw bytes. */
export function peerIdBytes(id: string): Uint8Array {
  if (!PEER_ID_PATTERN.test(id)) throw new RangeError('not a peer id')
  return fromBase64Url(id).subarray(0, 16)
}

export function encodeRelayFrame(frame: RelayFrame): Uint8Array {
  const out = new Uint8Array(RELAY_HEADER_BYTES + frame.payload.length)
  out[0] = RELAY_VERSION
  out[1] = RELAY_DATA
  out.set(peerIdBytes(frame.peer), 2)
  out.set(frame.cidDigest, 18)
  out.set(frame.payload, RELAY_HEADER_BYTES)
  return out
}

/** Returns null for anything that is not a well-formed relay frame. */
export function decodeRelayFrame(bytes: Uint8Array): RelayFrame | null {
  if (bytes.length <= RELAY_HEADER_BYTES || bytes.length > MAX_RELAY_MESSAGE_BYTES) return null
  if (bytes[0] !== RELAY_VERSION || bytes[1] !== RELAY_DATA) return null
  return {
    peer: toBase64Url(bytes.subarray(2, 18)),
    cidDigest: bytes.subarray(18, 50),
    payload: bytes.subarray(RELAY_HEADER_BYTES),
  }
}

export function encodeManifestPart(part: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + part.length)
  out[0] = RELAY_VERSION
  out[1] = RELAY_MANIFEST_PART
  out.set(part, 2)
  return out
}

/** The manifest bytes of a manifest-part message, or null if it is not one. */
export function decodeManifestPart(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length <= 2 || bytes.length > 2 + MAX_MANIFEST_PART_BYTES) return null
  if (bytes[0] !== RELAY_VERSION || bytes[1] !== RELAY_MANIFEST_PART) return null
  return bytes.subarray(2)
}
