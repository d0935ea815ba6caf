/** Server state in one process's memory: the default, with zero setup. */
import type { ServerState } from './state.js'
import { usefulSample } from './sample.js'

/** Tombstones kept in memory at most (about 150 bytes each). */
const MAX_TOMBSTONES = 100_000

export class MemoryState implements ServerState {
  /** cid → member → complete */
  #swarms = new Map<string, Map<string, boolean>>()
  #peerSwarms = new Map<string, Set<string>>()
  /** cid → revoke secret and until when it is kept; insertion order is age. */
  #tombstones = new Map<string, { secret: string; until: number }>()

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

  async revoke(cid: string, secret: string, ttlMs: number): Promise<string[]> {
    this.#tombstones.delete(cid)
    this.#tombstones.set(cid, { secret, until: Date.now() + ttlMs })
    // Bounded: the oldest tombstones go first.
    for (const old of this.#tombstones.keys()) {
      if (this.#tombstones.size <= MAX_TOMBSTONES) break
      this.#tombstones.delete(old)
    }
    const members = [...(this.#swarms.get(cid)?.keys() ?? [])]
    for (const peer of members) await this.leave(peer, cid)
    return members
  }

  async tombstone(cid: string): Promise<string | undefined> {
    const entry = this.#tombstones.get(cid)
    if (entry && entry.until <= Date.now()) this.#tombstones.delete(cid)
    else return entry?.secret
  }

  async isMember(peer: string, cid: string): Promise<boolean> {
    return this.#swarms.get(cid)?.has(peer) ?? false
  }
}
