/**
 * The pin registry: which pin nodes are connected, what each holds, and how
 * many copies each pinned drop should have. All of it is soft state rebuilt
 * from the pin nodes' heartbeats (each holding carries its replica goal), so
 * a server restart loses nothing. A periodic audit asks more pin nodes to
 * fetch a drop whose live copies fell below its goal.
 *
 * Pure bookkeeping: it returns the messages to send and the hub sends them.
 */
import type { PinHolding, PinStatus } from '../protocol/signal.js'

interface Holding {
  complete: boolean
  seenAt: number
}

interface PinNode {
  /** The last heartbeat. */
  seenAt: number
  holdings: Map<string, Holding>
  /** CIDs this node was asked to fetch and has not reported yet, with when. */
  asked: Map<string, number>
  /** CIDs this node refused, and until when not to ask it again. */
  refused: Map<string, number>
}

/** How long a pin nobody watches or holds is still re-replicated. */
const ORPHAN_GRACE_MS = 10 * 60_000

export interface PinRequest {
  node: string
  cid: string
  replicas: number
}

export interface PinRegistryOptions {
  replicas: number
  heartbeatMs: number
  random?: () => number
}

export class PinRegistry {
  readonly #nodes = new Map<string, PinNode>()
  /** cid → copies wanted. */
  readonly #goals = new Map<string, number>()
  /** cid → since when no one watched, held or was asked for it. */
  readonly #orphanedSince = new Map<string, number>()
  /** cid → peers waiting for pin-status updates. */
  readonly #watchers = new Map<string, Set<string>>()
  readonly #random: () => number

  constructor(private readonly options: PinRegistryOptions) {
    this.#random = options.random ?? Math.random
  }

  get nodeCount(): number {
    return this.#nodes.size
  }

  isNode(peer: string): boolean {
    return this.#nodes.has(peer)
  }

  /** A peer asks for a drop to be kept: it watches the status; returns the requests to send now. */
  pin(cid: string, watcher: string, now: number): PinRequest[] {
    if (!this.#goals.has(cid)) this.#goals.set(cid, this.options.replicas)
    let watchers = this.#watchers.get(cid)
    if (!watchers) this.#watchers.set(cid, (watchers = new Set()))
    watchers.add(watcher)
    return this.#replicate(cid, now)
  }

  /** A pin node's heartbeat (possibly one of several messages). */
  holdings(peer: string, pins: readonly PinHolding[], now: number): void {
    let node = this.#nodes.get(peer)
    if (!node) this.#nodes.set(peer, (node = { seenAt: now, holdings: new Map(), asked: new Map(), refused: new Map() }))
    node.seenAt = now
    for (const pin of pins) {
      node.holdings.set(pin.cid, { complete: pin.complete, seenAt: now })
      node.asked.delete(pin.cid)
      this.#goals.set(pin.cid, Math.max(this.#goals.get(pin.cid) ?? 0, pin.replicas))
    }
  }

  /**
   * A pin node gave a pin up. 'dropped' (expired, too old, revoked) ends the
   * pin; 'refused' lets another node take it. Only a node that holds the drop
   * or was asked for it can: for any other the answer is null and nothing
   * changes, or any node could cancel the copies others keep.
   */
  report(peer: string, cid: string, state: 'refused' | 'dropped', now: number): PinRequest[] | null {
    const node = this.#nodes.get(peer)
    if (!node) return null
    const held = node.holdings.delete(cid)
    const asked = node.asked.delete(cid)
    if (!held && !asked) return null
    if (state === 'dropped') {
      // No more copies are asked for; watchers still hear the count fall.
      this.#goals.delete(cid)
      return []
    }
    // Remember the refusal for a while so the audit does not ask this node again at once.
    node.refused.set(cid, now + this.#staleAfter())
    return this.#replicate(cid, now)
  }

  /** The drop was revoked: no one keeps it. */
  forget(cid: string): void {
    this.#goals.delete(cid)
    this.#orphanedSince.delete(cid)
    this.#watchers.delete(cid)
    for (const node of this.#nodes.values()) {
      node.holdings.delete(cid)
      node.asked.delete(cid)
      node.refused.delete(cid)
    }
  }

  /** A peer disconnected: as a pin node its copies are gone; as a watcher it stops watching. */
  remove(peer: string): void {
    this.#nodes.delete(peer)
    for (const [cid, watchers] of this.#watchers) {
      watchers.delete(peer)
      if (watchers.size === 0) this.#watchers.delete(cid)
    }
  }

  /**
   * Forgets nodes and holdings not heard of for three heartbeats (a node that
   * hangs with its connection open), and asks for new copies where too few are left.
   */
  audit(now: number): PinRequest[] {
    const stale = now - this.#staleAfter()
    for (const [peer, node] of this.#nodes) if (node.seenAt < stale) this.#nodes.delete(peer)
    for (const node of this.#nodes.values()) {
      for (const [cid, h] of node.holdings) if (h.seenAt < stale) node.holdings.delete(cid)
      for (const [cid, at] of node.asked) if (at < stale) node.asked.delete(cid)
      for (const [cid, until] of node.refused) if (until <= now) node.refused.delete(cid)
    }
    // A goal nobody watches and no node holds or was asked for is forgotten after a while
    // (browsers may still serve it to a new node meanwhile): pin requests cannot pile up.
    for (const cid of this.#goals.keys()) {
      if (this.#watchers.has(cid) || this.#anyNodeHasOrWasAsked(cid)) this.#orphanedSince.delete(cid)
      else if (!this.#orphanedSince.has(cid)) this.#orphanedSince.set(cid, now)
      else if (now - this.#orphanedSince.get(cid)! > ORPHAN_GRACE_MS) {
        this.#goals.delete(cid)
        this.#orphanedSince.delete(cid)
      }
    }
    return [...this.#goals.keys()].flatMap((cid) => this.#replicate(cid, now))
  }

  #anyNodeHasOrWasAsked(cid: string): boolean {
    for (const node of this.#nodes.values()) if (node.holdings.has(cid) || node.asked.has(cid)) return true
    return false
  }

  /** CIDs with watchers, for pruning what the hub remembers about them. */
  watched(cid: string): boolean {
    return this.#watchers.has(cid)
  }

  status(cid: string): PinStatus {
    let holders = 0
    let complete = 0
    for (const node of this.#nodes.values()) {
      const h = node.holdings.get(cid)
      if (h) holders++
      if (h?.complete) complete++
    }
    return { cid, nodes: this.#nodes.size, holders, complete, replicas: this.#goals.get(cid) ?? this.options.replicas }
  }

  watchers(cid: string): string[] {
    return [...(this.#watchers.get(cid) ?? [])]
  }

  #staleAfter(): number {
    return this.options.heartbeatMs * 3
  }

  /** Asks the least loaded nodes that neither hold nor were asked for `cid`, up to its goal. */
  #replicate(cid: string, now: number): PinRequest[] {
    const goal = this.#goals.get(cid) ?? this.options.replicas
    let have = 0
    const candidates: [string, PinNode][] = []
    for (const entry of this.#nodes) {
      const node = entry[1]
      if (node.holdings.has(cid) || node.asked.has(cid)) have++
      else if ((node.refused.get(cid) ?? 0) <= now) candidates.push(entry)
    }
    const wanted = Math.max(0, goal - have)
    const keys = new Map(candidates.map(([id]) => [id, this.#random()]))
    candidates.sort((a, b) => a[1].holdings.size - b[1].holdings.size || keys.get(a[0])! - keys.get(b[0])!)
    return candidates.slice(0, wanted).map(([node, state]) => {
      state.asked.set(cid, now)
      return { node, cid, replicas: goal }
    })
  }
}
