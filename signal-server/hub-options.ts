/** What the signaling hub (signaling.ts) is configured with: server.ts builds it from the server's config. */
import type { PinPolicy } from '../protocol/signal.js'
import type { IcePolicy } from './ice.js'
import type { Logger } from './log.js'
import type { Metrics } from './metrics.js'
import type { RelayLimits } from './relay.js'
import type { ServerState } from './state/state.js'
import type { Clock } from './clock.js'

export interface HubOptions {
  state: ServerState
  metrics?: Metrics
  /** Messages per second per connection (message-rate.ts); twice that may arrive in a burst. */
  maxMessagesPerSecond: number
  maxPeersPerLookup: number
  ice: IcePolicy
  iceTransportPolicy: 'all' | 'relay'
  maxSwarmsPerPeer: number
  /** How long a revoked CID is answered with its tombstone. */
  tombstoneTtlMs: number
  /** Revoke messages one client address may send per hour; 0: no limit. */
  revokesPerHour: number
  /** Tombstones kept of drops no other peer was in (state.ts). */
  maxUnsharedTombstones: number
  /** Published mirror lists: publishes one client address may make per hour (0: no limit), how long a list is kept, and how many. */
  mirrorLists: { publishesPerHour: number; ttlMs: number; maxLists: number }
  /** Copies pin nodes keep of a pinned drop, and how often they report. */
  pin: PinPolicy
  /** The secret a pin node must show to register; empty: this server takes no pin nodes. */
  pinToken: string
  /** `budgetPerIpBytes`: relayed bytes per client address per day, 0 for no limit. */
  relay: RelayLimits & { enabled: boolean; afterMs: number; budgetPerIpBytes: number }
  logger: Logger
  /** Real time unless a test passes its own. */
  clock?: Clock
}

/**
 * Published mirror lists a server keeps, least recently published out first:
 * a bound on memory (a list is at most ~4 KiB; most are ~100 bytes), since
 * anyone can publish lists for drops of their own, each under the
 * per-address allowance.
 */
export const MAX_MIRROR_LISTS = 20_000
