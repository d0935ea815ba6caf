/** Server state in one process's memory: the default, with zero setup. */
import type { MirrorListResult, RevokeResult, ServerState, TrackResult } from './state.js'
import { usefulSample } from './sample.js'

/**
 * Tombstones of drops others were in, kept in memory at most (about 150 bytes
 * each): a bound on memory only, since making them takes peers in a swarm and
 * the per-address revoke quota.
 */
const MAX_SHARED_TOMBSTONES = 100_000

interface Tombstone {
  secret: string
  until: number
}

interface KeptMirrorList {
  seq: number
  list: string
  until: number
}

export class MemoryState implements ServerState {
  /** cid → member → complete */
  #swarms = new Map<string, Map<string, boolean>>()
  #peerSwarms = new Map<string, Set<string>>()
  /** cid → revoke secret and until when it is kept; insertion order is age. Drops others were in, and the rest. */
  #shared = new Map<string, Tombstone>()
  #unshared = new Map<string, Tombstone>()
  /** cid → published mirror list; insertion order is when it was last published. */
  #mirrorLists = new Map<string, KeptMirrorList>()

  constructor(private readonly random: () => number = Math.random) {}

  get localSwarmCount(): number {
    return this.#swarms.size
  }

  async connect(): Promise<void> {}

  async route(): Promise<boolean> {
    return false
  }

  onRouted(): void {}

  async close(): Promise<void> {}

  async join(peer: string, cid: string, complete: boolean, maxSwarms: number): Promise<boolean> {
    let mine = this.#peerSwarms.get(peer)
    if (!mine?.has(cid) && (mine?.size ?? 0) >= maxSwarms) return false
    if (!mine) this.#peerSwarms.set(peer, (mine = new Set()))
    mine.add(cid)
    let members = this.#swarms.get(cid)
    if (!members) this.#swarms.set(cid, (members = new Map()))
    members.set(peer, complete)
    return true
  }

  async leave(peer: string, cid: string): Promise<void> {
    this.#peerSwarms.get(peer)?.delete(cid)
    const members = this.#swarms.get(cid)
    if (!members) return
    members.delete(peer)
    if (members.size === 0) this.#swarms.delete(cid)
  }

  async drop(peer: string): Promise<void> {
    for (const cid of this.#peerSwarms.get(peer) ?? []) await this.leave(peer, cid)
    this.#peerSwarms.delete(peer)
  }

  async sample(cid: string, exclude: string, limit: number): Promise<string[]> {
    const swarm = this.#swarms.get(cid)
    if (!swarm) return []
    return usefulSample(swarm, exclude, swarm.get(exclude) === true, limit, this.random)
  }

  async track(peer: string, cid: string, join: { complete: boolean; maxSwarms: number } | null, limit: number): Promise<TrackResult> {
    const revoked = await this.tombstone(cid)
    if (revoked !== undefined) return { revoked }
    if (join && !(await this.join(peer, cid, join.complete, join.maxSwarms))) return { tooManySwarms: true }
    return { peers: await this.sample(cid, peer, limit) }
  }

  async revoke(cid: string, secret: string, ttlMs: number, limits: { revoker: string; maxUnshared: number }): Promise<RevokeResult> {
    const members = [...(this.#swarms.get(cid)?.keys() ?? [])]
    for (const peer of members) await this.leave(peer, cid)
    const recorded = await this.tombstone(cid)
    if (recorded !== undefined) return { secret: recorded, recorded: false, members }
    const shared = members.some((peer) => peer !== limits.revoker)
    const table = shared ? this.#shared : this.#unshared
    table.set(cid, { secret, until: Date.now() + ttlMs })
    // Bounded: the oldest of the same kind go first.
    const max = shared ? MAX_SHARED_TOMBSTONES : limits.maxUnshared
    for (const old of table.keys()) {
      if (table.size <= max) break
      table.delete(old)
    }
    return { secret, recorded: true, members }
  }

  async tombstone(cid: string): Promise<string | undefined> {
    for (const table of [this.#shared, this.#unshared]) {
      const entry = table.get(cid)
      if (!entry) continue
      if (entry.until > Date.now()) return entry.secret
      table.delete(cid)
    }
  }

  async publishMirrorList(cid: string, seq: number, list: string, ttlMs: number, limits: { maxLists: number }): Promise<MirrorListResult> {
    const kept = this.#liveMirrorList(cid)
    if (kept && kept.seq >= seq) return { recorded: false, list: kept.list, seq: kept.seq }
    this.#mirrorLists.delete(cid) // re-inserted last: the most recently published
    this.#mirrorLists.set(cid, { seq, list, until: Date.now() + ttlMs })
    for (const old of this.#mirrorLists.keys()) {
      if (this.#mirrorLists.size <= limits.maxLists) break
      this.#mirrorLists.delete(old)
    }
    return { recorded: true, list, seq }
  }

  async mirrorList(cid: string): Promise<string | undefined> {
    return this.#liveMirrorList(cid)?.list
  }

  #liveMirrorList(cid: string): KeptMirrorList | undefined {
    const kept = this.#mirrorLists.get(cid)
    if (kept && kept.until <= Date.now()) this.#mirrorLists.delete(cid)
    else return kept
  }

  async isMember(peer: string, cid: string): Promise<boolean> {
    return this.#swarms.get(cid)?.has(peer) ?? false
  }
}
