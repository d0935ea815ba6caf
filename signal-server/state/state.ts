/**
 * Server state: which peers are in which swarm, and how to reach a peer that
 * is connected to another server process. In memory by default (one process,
 * zero setup); in Redis (state/redis.ts) when several processes share the load.
 */
export interface ServerState {
  /** A peer connected to this process (so other processes can route to it). */
  connect(peer: string): Promise<void>
  /** Joins or updates; resolves false when the peer is already in `maxSwarms` other swarms. */
  join(peer: string, cid: string, complete: boolean, maxSwarms: number): Promise<boolean>
  leave(peer: string, cid: string): Promise<void>
  /** Removes the peer from every swarm and forgets where it was (it disconnected). */
  drop(peer: string): Promise<void>
  /**
   * Up to `limit` random members of the swarm, without `exclude`, most useful
   * to it first: complete members for a peer that lacks pieces; for a complete
   * peer, only members that lack pieces (two complete peers trade nothing).
   */
  sample(cid: string, exclude: string, limit: number): Promise<string[]>
  isMember(peer: string, cid: string): Promise<boolean>
  /**
   * An announce (`join` given) or a lookup, as one step: the CID's tombstone
   * if it is revoked; else joins (unless the peer is in `maxSwarms` other
   * swarms) and samples `limit` members for the peer, as join and sample do.
   * One Redis call, where the three alone are three in a row.
   */
  track(peer: string, cid: string, join: { complete: boolean; maxSwarms: number } | null, limit: number): Promise<TrackResult>
  /**
   * Records a checked tombstone for `ttlMs`, unless one is recorded already
   * (it is never replaced), and forgets the swarm. A tombstone of a drop no
   * peer but `revoker` was in is "unshared": anyone can make those for drops
   * of their own, so at most `maxUnshared` are kept, the oldest going first,
   * and they never push out the others.
   */
  revoke(cid: string, secret: string, ttlMs: number, limits: { revoker: string; maxUnshared: number }): Promise<RevokeResult>
  /** The revoke secret of a revoked CID (canonical base64url), or undefined. */
  tombstone(cid: string): Promise<string | undefined>
  /**
   * Keeps a checked mirror list (base64url) for `ttlMs`, in one atomic step
   * unless the list kept has the same or a higher `seq` (then that one stays
   * and is returned). At most `maxLists` are kept, the least recently
   * published going first.
   */
  publishMirrorList(cid: string, seq: number, list: string, ttlMs: number, limits: { maxLists: number }): Promise<MirrorListResult>
  /** The mirror list kept for a CID (base64url), or undefined. */
  mirrorList(cid: string): Promise<string | undefined>
  /** Swarms with members on this process (a metric). */
  readonly localSwarmCount: number
  /**
   * Delivers a message to a peer connected to another process. Resolves false
   * when no process has that peer, or with `inSwarm`, when it is not a member
   * of that swarm (checked in the same step: one Redis call, not two). The
   * memory state has no other processes.
   */
  route(to: string, message: string | Uint8Array, inSwarm?: string): Promise<boolean>
  /** Messages other processes routed to peers connected here. */
  onRouted(handler: (to: string, message: string | Uint8Array) => void): void
  close(): Promise<void>
}

export type TrackResult = { revoked: string } | { tooManySwarms: true } | { peers: string[] }

export interface RevokeResult {
  /** The recorded secret: the first one. */
  secret: string
  /** False when a tombstone was recorded already. */
  recorded: boolean
  /** The peers that were in the swarm (on any process), to be told. */
  members: string[]
}

export interface MirrorListResult {
  /** False when the list kept was as new or newer. */
  recorded: boolean
  /** The list kept now, and its seq. */
  list: string
  seq: number
}
