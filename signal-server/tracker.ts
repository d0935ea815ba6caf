/**
 * Tracker state: which peers are in which swarm. Behind an interface so a
 * shared store (Redis) can replace the in-memory one for several processes.
 */
export interface TrackerState {
  /** Joins or updates; returns false when the peer is already in `maxSwarms` other swarms. */
  join(peer: string, cid: string, complete: boolean, maxSwarms: number): boolean
  leave(peer: string, cid: string): void
  /** Removes the peer from every swarm. */
  drop(peer: string): void
  /**
   * Up to `limit` random members of the swarm, without `exclude`, most useful
   * to it first: complete members for a peer that lacks pieces; for a complete
   * peer, only members that lack pieces (two complete peers trade nothing).
   */
  sample(cid: string, exclude: string, limit: number): string[]
  isMember(peer: string, cid: string): boolean
  readonly swarmCount: number
}

export class MemoryTracker implements TrackerState {
  /** cid → member → complete */
  #swarms = new Map<string, Map<string, boolean>>()
  #peerSwarms = new Map<string, Set<string>>()

  constructor(private readonly random: () => number = Math.random) {}

  get swarmCount(): number {
    return this.#swarms.size
  }

  join(peer: string, cid: string, complete: boolean, maxSwarms: number): boolean {
    let mine = this.#peerSwarms.get(peer)
    if (!mine?.has(cid) && (mine?.size ?? 0) >= maxSwarms) return false
    if (!mine) this.#peerSwarms.set(peer, (mine = new Set()))
    mine.add(cid)
    let members = this.#swarms.get(cid)
    if (!members) this.#swarms.set(cid, (members = new Map()))
    members.set(peer, complete)
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
    const swarm = this.#swarms.get(cid)
    if (!swarm) return []
    const wantComplete = swarm.get(exclude) !== true
    const first: string[] = []
    const rest: string[] = []
    for (const [peer, complete] of swarm) {
      if (peer === exclude) continue
      if (complete === wantComplete) first.push(peer)
      else if (wantComplete) rest.push(peer)
    }
    return [...this.#shuffled(first, limit), ...this.#shuffled(rest, limit - Math.min(limit, first.length))]
  }

  /** Partial Fisher–Yates: a uniform random sample of `limit` entries. */
  #shuffled(items: string[], limit: number): string[] {
    const n = Math.min(limit, items.length)
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.random() * (items.length - i))
      ;[items[i], items[j]] = [items[j], items[i]]
    }
    return items.slice(0, n)
  }

  isMember(peer: string, cid: string): boolean {
    return this.#swarms.get(cid)?.has(peer) ?? false
  }
}
