/**
 * Pinning: asking the server's pin nodes to keep a drop, and the pin nodes' side.
 *
 *   peer → server  { type: 'pin', cid }                  ask the pin nodes to keep this drop (a member
 *                                                       of its swarm only); answered with 'pin-status',
 *                                                       and again whenever it changes
 *                  { type: 'pin-holdings', pins, token } a pin node's heartbeat: what it holds (≤ 500
 *                                                       per message, [{ cid, replicas, complete }]);
 *                                                       the first one, with the server's pin token,
 *                                                       makes this connection a pin node
 *                  { type: 'pin-report', cid, state, reason }
 *                                                       a pin node gives up a pin it holds or was asked
 *                                                       for: 'refused' (it cannot take it) or 'dropped'
 *                                                       (expired, too old, revoked: no one should take
 *                                                       it over)
 *   server → peer  { type: 'pin-request', cid, replicas } to a pin node: fetch and hold this drop
 *                  { type: 'pin-status', cid, nodes, holders, complete, replicas }
 *                                                       pin nodes connected, how many hold or fetch this
 *                                                       drop, how many hold all of it, the goal
 */
import { type Schema, ProtocolError, cidField, countField, isObject, shortText } from './fields.js'
import { MAX_PIN_HOLDINGS_PER_MESSAGE, MAX_PIN_REPLICAS } from './limits.js'

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

export type PinClientMessage =
  | { type: 'pin'; cid: string }
  | { type: 'pin-holdings'; pins: PinHolding[]; token: string }
  | { type: 'pin-report'; cid: string; state: 'refused' | 'dropped'; reason: string }

export type PinServerMessage = { type: 'pin-request'; cid: string; replicas: number } | ({ type: 'pin-status' } & PinStatus)

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

export const pinClientSchemas: Record<PinClientMessage['type'], Schema<PinClientMessage>> = {
  pin: (m) => ({ type: 'pin', cid: cidField(m.cid) }),
  'pin-holdings': (m) => {
    if (!Array.isArray(m.pins) || m.pins.length > MAX_PIN_HOLDINGS_PER_MESSAGE) {
      throw new ProtocolError('bad-message', `"pins" must be an array of at most ${MAX_PIN_HOLDINGS_PER_MESSAGE}`)
    }
    return { type: 'pin-holdings', pins: m.pins.map(pinHolding), token: shortText(m.token, 256) }
  },
  'pin-report': (m) => {
    if (m.state !== 'refused' && m.state !== 'dropped') throw new ProtocolError('bad-message', '"state" must be refused or dropped')
    return { type: 'pin-report', cid: cidField(m.cid), state: m.state, reason: shortText(m.reason, 200) }
  },
}

export const pinServerSchemas: Record<PinServerMessage['type'], Schema<PinServerMessage>> = {
  'pin-request': (m) => ({ type: 'pin-request', cid: cidField(m.cid), replicas: replicasField(m.replicas) }),
  'pin-status': (m) => ({
    type: 'pin-status',
    cid: cidField(m.cid),
    nodes: countField(m.nodes, 'nodes'),
    holders: countField(m.holders, 'holders'),
    complete: countField(m.complete, 'complete'),
    replicas: countField(m.replicas, 'replicas'),
  }),
}
