/**
 * The session messages: how a connection starts, and errors.
 *
 *   peer → server  { type: 'hello', protocol }   first message; the server answers a
 *                                                different version with a 'protocol-mismatch'
 *                                                error and closes. Its shape never changes.
 *   server → peer  { type: 'welcome', id, iceServers, iceTransportPolicy, relay, pin, limits, protocol }
 *                                                on connect; `id` is ours; `relay` says whether
 *                                                binary relay frames (relay.ts) are accepted and
 *                                                after how long to use them; `iceServers` holds
 *                                                no TURN server
 *                  { type: 'ice', iceServers }   every ICE server, TURN with fresh credentials:
 *                                                before the answer to a connection's first
 *                                                announce or lookup, and again once they are
 *                                                past half their lifetime
 *                  { type: 'error', code, message, ref?, peer? }
 *                                                `ref` names the offending request type,
 *                                                `peer` the peer a relay error is about
 */
import { type ErrorCode, type Schema, PEER_ID_PATTERN, ProtocolError, isObject, peerField } from './fields.js'
import {
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_PIN_HEARTBEAT_MS,
  DEFAULT_PIN_REPLICAS,
  DEFAULT_RELAY_AFTER_MS,
  MAX_RELAY_AFTER_MS,
  MIN_PIN_HEARTBEAT_MS,
} from './limits.js'

export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

export interface RelayPolicy {
  /** Whether the server forwards relay frames at all. */
  enabled: boolean
  /** Clients fall back to the relay when a direct connection has not opened after this long. */
  afterMs: number
}

export interface PinPolicy {
  /** Copies the pin nodes keep of each pinned drop. */
  replicas: number
  /** How often pin nodes report their holdings. */
  heartbeatMs: number
}

/** What a client assumes until the welcome tells it otherwise. */
export const DEFAULT_RELAY_POLICY: RelayPolicy = { enabled: false, afterMs: DEFAULT_RELAY_AFTER_MS }
export const DEFAULT_PIN_POLICY: PinPolicy = { replicas: DEFAULT_PIN_REPLICAS, heartbeatMs: DEFAULT_PIN_HEARTBEAT_MS }

export type SessionClientMessage = { type: 'hello'; protocol: number }

export type SessionServerMessage =
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
  | { type: 'error'; code: ErrorCode; message: string; ref?: string; peer?: string }

/** What either side says when the versions differ: the page is usually the stale one. */
export function versionMismatch(page: number | 'none', server: number): string {
  const speaks = page === 'none' ? 'an older signaling protocol' : `signaling protocol v${page}`
  return `This page speaks ${speaks}; the server speaks v${server} — reload the page`
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

export const sessionClientSchemas: Record<SessionClientMessage['type'], Schema<SessionClientMessage>> = {
  hello: (m) => {
    if (typeof m.protocol !== 'number' || !Number.isInteger(m.protocol) || m.protocol < 1) {
      throw new ProtocolError('bad-message', '"protocol" must be a version number')
    }
    return { type: 'hello', protocol: m.protocol }
  },
}

export const sessionServerSchemas: Record<SessionServerMessage['type'], Schema<SessionServerMessage>> = {
  welcome: (m) => {
    if (typeof m.protocol !== 'number') throw new ProtocolError('bad-message', 'welcome without protocol version')
    const relay = isObject(m.relay) ? m.relay : {}
    const pin = isObject(m.pin) ? m.pin : {}
    const limits = isObject(m.limits) ? m.limits : {}
    return {
      type: 'welcome',
      id: peerField(m.id, 'id'),
      iceServers: iceServers(m.iceServers),
      iceTransportPolicy: m.iceTransportPolicy === 'relay' ? 'relay' : 'all',
      relay: {
        enabled: relay.enabled === true,
        afterMs:
          typeof relay.afterMs === 'number' && relay.afterMs >= 0 ? Math.min(relay.afterMs, MAX_RELAY_AFTER_MS) : DEFAULT_RELAY_AFTER_MS,
      },
      pin: {
        replicas: typeof pin.replicas === 'number' ? pin.replicas : DEFAULT_PIN_REPLICAS,
        heartbeatMs:
          typeof pin.heartbeatMs === 'number' && pin.heartbeatMs >= MIN_PIN_HEARTBEAT_MS ? pin.heartbeatMs : DEFAULT_PIN_HEARTBEAT_MS,
      },
      limits: {
        messagesPerSecond:
          typeof limits.messagesPerSecond === 'number' && limits.messagesPerSecond >= 1
            ? limits.messagesPerSecond
            : DEFAULT_MESSAGES_PER_SECOND,
      },
      protocol: m.protocol,
    }
  },
  ice: (m) => ({ type: 'ice', iceServers: iceServers(m.iceServers) }),
  error: (m) => ({
    type: 'error',
    code: (typeof m.code === 'string' ? m.code : 'internal') as ErrorCode,
    message: typeof m.message === 'string' ? m.message.slice(0, 500) : 'unknown error',
    ref: typeof m.ref === 'string' ? m.ref.slice(0, 40) : undefined,
    peer: typeof m.peer === 'string' && PEER_ID_PATTERN.test(m.peer) ? m.peer : undefined,
  }),
}
