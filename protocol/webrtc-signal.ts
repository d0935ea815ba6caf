/**
 * WebRTC signals: offers, answers and candidates, opaque to the server.
 *
 *   peer → server  { type: 'signal', to, cid, data }    for `to`; both must be members of the swarm `cid`
 *   server → peer  { type: 'signal', from, cid, data }
 */
import { type Fields, type Schema, ProtocolError, cidField, isObject, peerField } from './fields.js'

export type SignalClientMessage = { type: 'signal'; to: string; cid: string; data: Fields }
export type SignalServerMessage = { type: 'signal'; from: string; cid: string; data: Fields }

function signalData(value: unknown): Fields {
  if (!isObject(value)) throw new ProtocolError('bad-message', '"data" must be an object')
  return value
}

export const signalClientSchemas: Record<'signal', Schema<SignalClientMessage>> = {
  signal: (m) => ({ type: 'signal', to: peerField(m.to, 'to'), cid: cidField(m.cid), data: signalData(m.data) }),
}

export const signalServerSchemas: Record<'signal', Schema<SignalServerMessage>> = {
  signal: (m) => ({ type: 'signal', from: peerField(m.from, 'from'), cid: cidField(m.cid), data: signalData(m.data) }),
}
