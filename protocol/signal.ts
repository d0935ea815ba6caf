/**
 * The signaling protocol between a peer and the server: JSON text messages
 * over one WebSocket. Shared by the browser client and the server so both
 * validate the same shapes. Binary WebSocket messages are reserved for the
 * relay.
 *
 * Peer → server
 *   { type: 'announce', cid, complete? } join the swarm (again, to update `complete`); answered with 'peers'
 *                                        (and first 'ice' when TURN credentials are due)
 *   { type: 'lookup', cid }              answered like 'announce'
 *   { type: 'leave', cid }
 *   { type: 'signal', to, cid, data }    WebRTC offer/answer/candidate for `to`; both must be
 *                                        members of the swarm `cid`
 *   { type: 'pin', cid }                 ask the pin nodes to keep this drop (a member of its
 *                                        swarm only); answered with
 *                                        'pin-status', and again whenever it changes
 *   { type: 'pin-holdings', pins, token } a pin node's heartbeat: what it holds (≤ 500 per
 *                                        message, [{ cid, replicas, complete }]); the first
 *                                        one, with the server's pin token, makes this
 *                                        connection a pin node
 *   { type: 'pin-report', cid, state, reason }
 *                                        a pin node gives up a pin it holds or was asked
 *                                        for: state 'refused' (it cannot take it) or
 *                                        'dropped' (expired, too old, revoked: no one
 *                                        should take it over)
 *   { type: 'revoke', cid, secret, size } a tombstone: the revoke secret, then the drop's
 *                                        manifest (`size` bytes) in binary manifest-part
 *                                        messages (protocol/relay.ts). The server hashes the
 *                                        manifest against the CID and the secret against the
 *                                        manifest's revoke hash: it holds no key, and a forged
 *                                        tombstone is refused.
 *
 * Server → peer
 *   { type: 'welcome', id, iceServers, iceTransportPolicy, relay, pin, limits, protocol }
 *                                                   first message; `id` is ours; `relay` says
 *                                                   whether binary relay frames (protocol/relay.ts)
 *                                                   are accepted and after how long to use them;
 *                                                   `iceServers` holds no TURN server
 *   { type: 'ice', iceServers }                     every ICE server, TURN with fresh credentials:
 *                                                   before the answer to a connection's first
 *                                                   announce or lookup, and again once they are
 *                                                   past half their lifetime
 *   { type: 'peers', cid, peers }                   a random sample, never ourselves; the most
 *                                                   useful first (holders of everything for a
 *                                                   peer that lacks pieces, and the reverse)
 *   { type: 'signal', from, cid, data }
 *   { type: 'pin-request', cid, replicas }          to a pin node: fetch and hold this drop
 *   { type: 'pin-status', cid, nodes, holders, complete, replicas }
 *                                                   pin nodes connected, how many hold or fetch
 *                                                   this drop, how many hold all of it, the goal
 *   { type: 'revoked', cid, secret }                the owner revoked this drop: sent to every member
 *                                                   and in place of 'peers' for later announces and
 *                                                   lookups; each peer checks `secret` against its
 *                                                   own copy of the manifest
 *   { type: 'error', code, message, ref?, peer? }   `ref` names the offending request type,
 *                                                   `peer` the peer a relay error is about
 */

import { CID_PATTERN } from '../format/cid.js'
import { MAX_MANIFEST_BYTES } from '../format/limits.js'

export const SIGNAL_PROTOCOL_VERSION = 1
/** Largest text message either side accepts: an SDP offer is ~2–6 KiB. */
export const MAX_SIGNAL_MESSAGE_BYTES = 64 * 1024
/** Peers returned per lookup: enough to fill a swarm, small enough to hide its size. */
export const MAX_PEERS_PER_LOOKUP = 50
/**
 * A revoke secret: 32 random bytes as canonical base64url. The last of the 43
 * characters carries 4 bits and 2 spare ones, which must be zero: otherwise one
 * secret has four spellings, and a lenient decoder takes them all.
 */
export const REVOKE_SECRET_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/
/** Holdings per pin-holdings message: keeps it well under the message size limit. */
export const MAX_PIN_HOLDINGS_PER_MESSAGE = 500
/** Most copies of one drop a server asks its pin nodes to keep. */
export const MAX_PIN_REPLICAS = 16
/** Server-assigned peer ids: 16 random bytes, base64url. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

export type ClientMessage =
  | { type: 'announce'; cid: string; complete: boolean }
  | { type: 'lookup'; cid: string }
  | { type: 'leave'; cid: string }
  | { type: 'signal'; to: string; cid: string; data: Record<string, unknown> }
  | { type: 'revoke'; cid: string; secret: string; size: number }
  | { type: 'pin'; cid: string }
  | { type: 'pin-holdings'; pins: PinHolding[]; token: string }
  | { type: 'pin-report'; cid: string; state: 'refused' | 'dropped'; reason: string }

export interface PinHolding {
  cid: string
  replicas: number
  complete: boolean
}

export interface PinStatus {
  cid: string
  /** Pin nodes connected to the server. */
  nodes: number
  /** Pin nodes holding or fetching the drop. */
  holders: number
  /** Pin nodes holding every piece. */
  complete: number
  replicas: number
}

/** Whether the pin nodes hold every piece: as many complete copies as the goal, or as there are nodes. */
export function pinComplete(s: PinStatus): boolean {
  return s.nodes > 0 && s.complete >= Math.min(s.replicas, s.nodes)
}

export interface PinPolicy {
  /** Copies the pin nodes keep of each pinned drop. */
  replicas: number
  /** How often pin nodes report their holdings. */
  heartbeatMs: number
}

export type ServerMessage =
  | {
      type: 'welcome'
      id: string
      iceServers: IceServer[]
      iceTransportPolicy: 'all' | 'relay'
      relay: RelayPolicy
      pin: PinPolicy
      /** Text messages per second this connection may send (bursts of twice that pass). */
      limits: { messagesPerSecond: number }
      protocol: number
    }
  | { type: 'ice'; iceServers: IceServer[] }
  | ({ type: 'pin-status' } & PinStatus)
  | { type: 'pin-request'; cid: string; replicas: number }
  | { type: 'peers'; cid: string; peers: string[] }
  | { type: 'signal'; from: string; cid: string; data: Record<string, unknown> }
  | { type: 'revoked'; cid: string; secret: string }
  | { type: 'error'; code: ErrorCode; message: string; ref?: string; peer?: string }

export interface RelayPolicy {
  /** Whether the server forwards relay frames at all. */
  enabled: boolean
  /** Clients fall back to the relay when a direct connection has not opened after this long. */
  afterMs: number
}

export type ErrorCode =
  | 'bad-message'
  | 'too-large'
  | 'unknown-peer'
  | 'too-many-swarms'
  | 'rate-limited'
  | 'relay-disabled'
  | 'relay-budget'
  | 'bad-tombstone'
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseJson(text: string): Record<string, unknown> {
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

function cidField(value: unknown): string {
  if (typeof value !== 'string' || !CID_PATTERN.test(value)) {
    throw new ProtocolError('bad-message', '"cid" must be a base32 CIDv1 string')
  }
  return value
}

function peerField(value: unknown, name: string): string {
  if (typeof value !== 'string' || !PEER_ID_PATTERN.test(value)) {
    throw new ProtocolError('bad-message', `"${name}" must be a peer id`)
  }
  return value
}

function revokeSecretField(value: unknown): string {
  if (typeof value !== 'string' || !REVOKE_SECRET_PATTERN.test(value)) {
    throw new ProtocolError('bad-message', '"secret" must be 32 bytes as canonical base64url')
  }
  return value
}

function replicasField(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PIN_REPLICAS) {
    throw new ProtocolError('bad-message', `"replicas" must be an integer 1…${MAX_PIN_REPLICAS}`)
  }
  return value
}

function pinHolding(value: unknown): PinHolding {
  if (!isObject(value)) throw new ProtocolError('bad-message', 'each pin must be an object')
  return { cid: cidField(value.cid), replicas: replicasField(value.replicas), complete: value.complete === true }
}

function count(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ProtocolError('bad-message', `"${name}" must be a count`)
  return value
}

function signalData(value: unknown): Record<string, unknown> {
  if (!isObject(value)) throw new ProtocolError('bad-message', '"data" must be an object')
  return value
}

/** Validates untrusted text from a peer into a typed message. Throws ProtocolError. */
export function parseClientMessage(text: string): ClientMessage {
  const m = parseJson(text)
  switch (m.type) {
    case 'announce':
      if (m.complete !== undefined && typeof m.complete !== 'boolean') {
        throw new ProtocolError('bad-message', '"complete" must be a boolean')
      }
      return { type: 'announce', cid: cidField(m.cid), complete: m.complete === true }
    case 'lookup':
    case 'leave':
      return { type: m.type, cid: cidField(m.cid) }
    case 'signal':
      return { type: 'signal', to: peerField(m.to, 'to'), cid: cidField(m.cid), data: signalData(m.data) }
    case 'pin':
      return { type: 'pin', cid: cidField(m.cid) }
    case 'pin-holdings': {
      if (!Array.isArray(m.pins) || m.pins.length > MAX_PIN_HOLDINGS_PER_MESSAGE) {
        throw new ProtocolError('bad-message', `"pins" must be an array of at most ${MAX_PIN_HOLDINGS_PER_MESSAGE}`)
      }
      return { type: 'pin-holdings', pins: m.pins.map(pinHolding), token: typeof m.token === 'string' ? m.token.slice(0, 256) : '' }
    }
    case 'pin-report':
      if (m.state !== 'refused' && m.state !== 'dropped') throw new ProtocolError('bad-message', '"state" must be refused or dropped')
      return { type: 'pin-report', cid: cidField(m.cid), state: m.state, reason: typeof m.reason === 'string' ? m.reason.slice(0, 200) : '' }
    case 'revoke':
      if (typeof m.size !== 'number' || !Number.isInteger(m.size) || m.size < 1 || m.size > MAX_MANIFEST_BYTES) {
        throw new ProtocolError('bad-message', `"size" must be a manifest size (1…${MAX_MANIFEST_BYTES} bytes)`)
      }
      return { type: 'revoke', cid: cidField(m.cid), secret: revokeSecretField(m.secret), size: m.size }
    default:
      throw new ProtocolError('bad-message', `unknown message type ${JSON.stringify(String(m.type).slice(0, 40))}`)
  }
}

function iceServers(value: unknown): IceServer[] {
  if (!Array.isArray(value)) throw new ProtocolError('bad-message', '"iceServers" must be an array')
  return value.map((s) => {
    if (!isObject(s)) throw new ProtocolError('bad-message', 'ICE server must be an object')
    const urls = s.urls
    const okUrls = typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'))
    if (!okUrls) throw new ProtocolError('bad-message', 'ICE server urls must be strings')
    const out: IceServer = { urls: urls as string | string[] }
    if (typeof s.username === 'string') out.username = s.username
    if (typeof s.credential === 'string') out.credential = s.credential
    return out
  })
}

/** Validates text from the server. The client trusts the server no more than it must. */
export function parseServerMessage(text: string): ServerMessage {
  const m = parseJson(text)
  switch (m.type) {
    case 'welcome': {
      if (typeof m.protocol !== 'number') throw new ProtocolError('bad-message', 'welcome without protocol version')
      const relay = isObject(m.relay) ? m.relay : {}
      const pin = isObject(m.pin) ? m.pin : {}
      return {
        type: 'welcome',
        id: peerField(m.id, 'id'),
        iceServers: iceServers(m.iceServers),
        iceTransportPolicy: m.iceTransportPolicy === 'relay' ? 'relay' : 'all',
        relay: {
          enabled: relay.enabled === true,
          afterMs: typeof relay.afterMs === 'number' && relay.afterMs >= 0 ? Math.min(relay.afterMs, 120_000) : 5_000,
        },
        pin: {
          replicas: typeof pin.replicas === 'number' ? pin.replicas : 1,
          heartbeatMs: typeof pin.heartbeatMs === 'number' && pin.heartbeatMs >= 100 ? pin.heartbeatMs : 10_000,
        },
        limits: {
          messagesPerSecond:
            isObject(m.limits) && typeof m.limits.messagesPerSecond === 'number' && m.limits.messagesPerSecond >= 1
              ? m.limits.messagesPerSecond
              : 50,
        },
        protocol: m.protocol,
      }
    }
    case 'ice':
      return { type: 'ice', iceServers: iceServers(m.iceServers) }
    case 'pin-request':
      return { type: 'pin-request', cid: cidField(m.cid), replicas: replicasField(m.replicas) }
    case 'pin-status':
      return {
        type: 'pin-status',
        cid: cidField(m.cid),
        nodes: count(m.nodes, 'nodes'),
        holders: count(m.holders, 'holders'),
        complete: count(m.complete, 'complete'),
        replicas: count(m.replicas, 'replicas'),
      }
    case 'peers': {
      if (!Array.isArray(m.peers) || m.peers.length > MAX_PEERS_PER_LOOKUP) {
        throw new ProtocolError('bad-message', '"peers" must be a short array')
      }
      return { type: 'peers', cid: cidField(m.cid), peers: m.peers.map((p) => peerField(p, 'peers[]')) }
    }
    case 'signal':
      return { type: 'signal', from: peerField(m.from, 'from'), cid: cidField(m.cid), data: signalData(m.data) }
    case 'revoked':
      return { type: 'revoked', cid: cidField(m.cid), secret: revokeSecretField(m.secret) }
    case 'error':
      return {
        type: 'error',
        code: (typeof m.code === 'string' ? m.code : 'internal') as ErrorCode,
        message: typeof m.message === 'string' ? m.message.slice(0, 500) : 'unknown error',
        ref: typeof m.ref === 'string' ? m.ref.slice(0, 40) : undefined,
        peer: typeof m.peer === 'string' && PEER_ID_PATTERN.test(m.peer) ? m.peer : undefined,
      }
    default:
      throw new ProtocolError('bad-message', 'unknown message type from server')
  }
}
