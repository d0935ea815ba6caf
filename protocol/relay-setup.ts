/**
 * Relay set-up: opening and closing a relayed link between two members of a
 * swarm. The frames themselves are binary (relay.ts).
 *
 *   peer → server  { type: 'relay-open', to, cid }    ask `to` to take a relayed link in swarm `cid`;
 *                                                    both must be members. Sent before the first
 *                                                    frame, on the same socket, so it arrives first.
 *                  { type: 'relay-close', to, cid }   this end closed the link
 *   server → peer  { type: 'relay-open', from, cid }
 *                  { type: 'relay-close', from, cid }
 * A refused relay-open is answered with an error whose `ref` is 'relay-open'
 * and whose `peer` is `to`.
 */
import { type Schema, cidField, peerField } from './fields.js'

type RelaySetupType = 'relay-open' | 'relay-close'
export type RelaySetupClientMessage = { type: 'relay-open'; to: string; cid: string } | { type: 'relay-close'; to: string; cid: string }
export type RelaySetupServerMessage = { type: 'relay-open'; from: string; cid: string } | { type: 'relay-close'; from: string; cid: string }

const toPeer =
  <T extends RelaySetupType>(type: T): Schema<{ type: T; to: string; cid: string }> =>
  (m) => ({ type, to: peerField(m.to, 'to'), cid: cidField(m.cid) })
const fromPeer =
  <T extends RelaySetupType>(type: T): Schema<{ type: T; from: string; cid: string }> =>
  (m) => ({ type, from: peerField(m.from, 'from'), cid: cidField(m.cid) })

export const relaySetupClientSchemas: Record<RelaySetupType, Schema<RelaySetupClientMessage>> = {
  'relay-open': toPeer('relay-open'),
  'relay-close': toPeer('relay-close'),
}

export const relaySetupServerSchemas: Record<RelaySetupType, Schema<RelaySetupServerMessage>> = {
  'relay-open': fromPeer('relay-open'),
  'relay-close': fromPeer('relay-close'),
}
