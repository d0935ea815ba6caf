/**
 * Adds a drop's blind mirrors to its swarm as peers (mirror-connection.ts),
 * each once, and says on the page when one fails: unreachable, blocked by
 * CORS or CSP, holding another drop, or dropped for a piece that failed
 * verification. A failed mirror is not asked again until the link is opened
 * again; the download goes on from the other sources.
 */
import type { Cid, Sha256Provider } from '../../../format/cid.js'
import { MAX_MIRRORS } from '../../../format/mirror-base.js'
import type { Swarm } from '../swarm/swarm.js'
import { type Fetch, MirrorConnection, type MirrorOptions, mirrorPeerId } from './mirror-connection.js'

export interface MirrorDeps {
  readonly crypto: Sha256Provider
  readonly fetch?: Fetch
}

/** Closes that are the drop's own doing, not the mirror's: nothing to tell. */
const QUIET = new Set(['swarm closed', 'leaving the swarm', 'replaced by a newer connection'])

/**
 * A link's mirrors and a published list's both come here: together at most
 * MAX_MIRRORS are connected at once, the first named first.
 */
export function connectMirrors(swarm: Swarm, cid: Cid, bases: readonly string[], deps: MirrorDeps, admit?: MirrorOptions['admit']): void {
  let connected = swarm.peers().filter((p) => p.kind === 'mirror').length
  for (const base of bases) {
    const id = mirrorPeerId(base)
    if (swarm.hasPeer(id) || swarm.refuses(id)) continue
    if (connected++ >= MAX_MIRRORS) return
    const connection = new MirrorConnection({ base, cid, crypto: deps.crypto, fetch: deps.fetch, admit })
    connection.events.on('close', ({ reason }) => {
      if (!QUIET.has(reason)) swarm.events.emit('warning', `Mirror ${connection.host}: ${reason}.`)
    })
    swarm.addConnection(connection)
  }
}
