/**
 * The tracker messages: who is in which swarm.
 *
 *   peer → server  { type: 'announce', cid, complete? }  join the swarm (again, to update `complete`);
 *                                                       answered with 'peers' (and first 'ice' when
 *                                                       TURN credentials are due)
 *                  { type: 'lookup', cid }              answered like 'announce'
 *                  { type: 'leave', cid }
 *   server → peer  { type: 'peers', cid, peers }        a random sample, never ourselves; the most
 *                                                       useful first (holders of everything for a
 *                                                       peer that lacks pieces, and the reverse)
 */
import { type Schema, ProtocolError, cidField, peerField } from './fields.js'
import { MAX_PEERS_PER_LOOKUP } from './limits.js'

export type TrackerClientMessage =
  | { type: 'announce'; cid: string; complete: boolean }
  | { type: 'lookup'; cid: string }
  | { type: 'leave'; cid: string }

export type TrackerServerMessage = { type: 'peers'; cid: string; peers: string[] }

export const trackerClientSchemas: Record<TrackerClientMessage['type'], Schema<TrackerClientMessage>> = {
  announce: (m) => {
    if (m.complete !== undefined && typeof m.complete !== 'boolean') throw new ProtocolError('bad-message', '"complete" must be a boolean')
    return { type: 'announce', cid: cidField(m.cid), complete: m.complete === true }
  },
  lookup: (m) => ({ type: 'lookup', cid: cidField(m.cid) }),
  leave: (m) => ({ type: 'leave', cid: cidField(m.cid) }),
}

export const trackerServerSchemas: Record<TrackerServerMessage['type'], Schema<TrackerServerMessage>> = {
  peers: (m) => {
    if (!Array.isArray(m.peers) || m.peers.length > MAX_PEERS_PER_LOOKUP)
      throw new ProtocolError('bad-message', '"peers" must be a short array')
    return { type: 'peers', cid: cidField(m.cid), peers: m.peers.map((p) => peerField(p, 'peers[]')) }
  },
}
