/**
 * The signaling protocol between a peer and the server: JSON text messages
 * over one WebSocket, one schema (type, validator, defaults) per message in
 * its family's module. Shared by the browser client and the server so both
 * validate the same shapes. Binary WebSocket messages are the relay's and
 * the manifest parts of tombstones and mirror lists (relay.ts).
 *
 * | family                  | module           | messages                                          |
 * |-------------------------|------------------|---------------------------------------------------|
 * | session                 | session.ts       | hello · welcome, ice, error                       |
 * | tracker                 | tracker.ts       | announce, lookup, leave · peers                   |
 * | WebRTC signals          | webrtc-signal.ts | signal · signal                                   |
 * | relay set-up            | relay-setup.ts   | relay-open, relay-close · the same, from a peer   |
 * | revocation              | revoke.ts        | revoke · revoked                                  |
 * | pinning                 | pins.ts          | pin, pin-holdings, pin-report · pin-request, pin-status |
 * | published mirror lists  | mirrors.ts       | mirrors-publish, mirrors-get · mirrors            |
 *
 * (peer → server · server → peer). The numbers both sides use are in limits.ts.
 */
import { parseJson, parseWith } from './fields.js'
import { type MirrorsClientMessage, type MirrorsServerMessage, mirrorsClientSchemas, mirrorsServerSchemas } from './mirrors.js'
import { type PinClientMessage, type PinServerMessage, pinClientSchemas, pinServerSchemas } from './pins.js'
import {
  type RelaySetupClientMessage,
  type RelaySetupServerMessage,
  relaySetupClientSchemas,
  relaySetupServerSchemas,
} from './relay-setup.js'
import { type RevokeClientMessage, type RevokeServerMessage, revokeClientSchemas, revokeServerSchemas } from './revoke.js'
import { type SessionClientMessage, type SessionServerMessage, sessionClientSchemas, sessionServerSchemas } from './session.js'
import { type TrackerClientMessage, type TrackerServerMessage, trackerClientSchemas, trackerServerSchemas } from './tracker.js'
import { type SignalClientMessage, type SignalServerMessage, signalClientSchemas, signalServerSchemas } from './webrtc-signal.js'

export * from './limits.js'
export { type ErrorCode, PEER_ID_PATTERN, ProtocolError, REVOKE_SECRET_PATTERN } from './fields.js'
export { type IceServer, type PinPolicy, type RelayPolicy, DEFAULT_PIN_POLICY, DEFAULT_RELAY_POLICY, versionMismatch } from './session.js'
export { type PinHolding, type PinStatus, pinComplete } from './pins.js'

export type ClientMessage =
  | SessionClientMessage
  | TrackerClientMessage
  | SignalClientMessage
  | RelaySetupClientMessage
  | RevokeClientMessage
  | PinClientMessage
  | MirrorsClientMessage

export type ServerMessage =
  | SessionServerMessage
  | TrackerServerMessage
  | SignalServerMessage
  | RelaySetupServerMessage
  | RevokeServerMessage
  | PinServerMessage
  | MirrorsServerMessage

const clientSchemas = {
  ...sessionClientSchemas,
  ...trackerClientSchemas,
  ...signalClientSchemas,
  ...relaySetupClientSchemas,
  ...revokeClientSchemas,
  ...pinClientSchemas,
  ...mirrorsClientSchemas,
}

const serverSchemas = {
  ...sessionServerSchemas,
  ...trackerServerSchemas,
  ...signalServerSchemas,
  ...relaySetupServerSchemas,
  ...revokeServerSchemas,
  ...pinServerSchemas,
  ...mirrorsServerSchemas,
}

/** Validates untrusted text from a peer into a typed message. Throws ProtocolError. */
export function parseClientMessage(text: string): ClientMessage {
  const m = parseJson(text)
  return parseWith<ClientMessage>(clientSchemas, m, `unknown message type ${JSON.stringify(String(m.type).slice(0, 40))}`)
}

/** Validates text from the server. The client trusts the server no more than it must. */
export function parseServerMessage(text: string): ServerMessage {
  return parseWith<ServerMessage>(serverSchemas, parseJson(text), 'unknown message type from server')
}
