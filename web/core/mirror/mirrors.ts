/**
 * Adds a drop's blind mirrors to its swarm as peers (mirror-connection.ts),
 * each once, and says on the page when one fails: unreachable, blocked by
 * CORS or CSP, holding another drop, or dropped for a piece that failed
 * verification. A failed mirror is not asked again until the link is opened
 * again; the download goes on from the other sources.
 */
import type { Cid, Sha256Provider } from '../../../format/cid.js'
import type { Swarm } from '../swarm/swarm.js'
import { type Fetch, MirrorConnection, mirrorPeerId } from './mirror-connection.js'

export interface MirrorDeps {
  readonly crypto: Sha256Provider
  readonly fetch?: Fetch
}

/** Closes that are the drop's own doing, not the mirror's: nothing to tell. */
const QUIET = new Set(['swarm closed', 'leaving the swarm', 'replaced by a newer connection'])

export function connectMirrors(swarm: Swarm, cid: Cid, bases: readonly string[], deps: MirrorDeps): void {
  for (const base of bases) {
    const id = mirrorPeerId(base)
    if (swarm.hasPeer(id) || swarm.refuses(id)) continue
    const connection = new MirrorConnection({ base, cid, crypto: deps.crypto, fetch: deps.fetch })
    connection.events.on('close', ({ reason }) => {
      if (!QUIET.has(reason)) swarm.events.emit('warning', `Mirror ${connection.host}: ${reason}.`)
    })
    swarm.addConnection(connection)
  }
}
