/**
 * Tracker state: which peers are in which swarm. Behind an interface so a
 * shared store (Redis) can replace the in-memory one for several processes.
 */
export interface TrackerState {
  /** Returns false when the peer is already in `maxSwarms` swarms. */
  join(peer: string, cid: string, maxSwarms: number): boolean
  leave(peer: string, cid: string): void
  /** Removes the peer from every swarm. */
  drop(peer: string): void
  /** Up to `limit` random members of the swarm, without `exclude`. */
  sample(cid: string, exclude: string, limit: number): string[]
  isMember(peer: string, cid: string): boolean
  readonly swarmCount: number
}

export class MemoryTracker implements TrackerState {
  #swarms = new Map<string, Set<string>>()
  #peerSwarms = new Map<string, Set<string>>()

  constructor(private readonly random: () => number = Math.random) {}

  get swarmCount(): number {
    return this.#swarms.size
  }

  join(peer: string, cid: string, maxSwarms: number): boolean {
    let mine = this.#peerSwarms.get(peer)
    if (mine?.has(cid)) return true
    if ((mine?.size ?? 0) >= maxSwarms) return false
    if (!mine) this.#peerSwarms.set(peer, (mine = new Set()))
    mine.add(cid)
    let members = this.#swarms.get(cid)
    if (!members) this.#swarms.set(cid, (members = new Set()))
    members.add(peer)
    return true
  }

  leave(peer: string, cid: string): void {
    this.#peerSwarms.get(peer)?.delete(cid)
    const members = this.#swarms.get(cid)
    if (!members) return
    members.delete(peer)
    if (members.size === 0) this.#swarms.delete(cid)
  }

  drop(peer: string): void {
    for (const cid of this.#peerSwarms.get(peer) ?? []) this.leave(peer, cid)
    this.#peerSwarms.delete(peer)
  }

  sample(cid: string, exclude: string, limit: number): string[] {
    const members = [...(this.#swarms.get(cid) ?? [])].filter((p) => p !== exclude)
    // Partial Fisher–Yates: the first `limit` entries become a uniform random sample.
    for (let i = 0; i < Math.min(limit, members.length); i++) {
      const j = i + Math.floor(this.random() * (members.length - i))
      ;[members[i], members[j]] = [members[j], members[i]]
    }
    return members.slice(0, limit)
  }

  isMember(peer: string, cid: string): boolean {
    return this.#swarms.get(cid)?.has(peer) ?? false
  }
}
