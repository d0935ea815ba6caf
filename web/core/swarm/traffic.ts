/**
 * A swarm's byte counters over every wire it has had: the open ones read
 * live, the closed ones kept as totals, so the figures never go backwards
 * when a peer leaves.
 */
import type { Wire } from '../wire/wire.js'

export class SwarmTraffic {
  /** Every open wire, replaced ones included until they close. */
  readonly #open = new Set<Wire>()
  readonly #closed = { bytesDown: 0, bytesUp: 0, relayed: 0 }

  opened(wire: Wire): void {
    this.#open.add(wire)
  }

  closed(wire: Wire): void {
    if (!this.#open.delete(wire)) return
    this.#closed.bytesDown += wire.stats.bytesDown
    this.#closed.bytesUp += wire.stats.bytesUp
    this.#closed.relayed += relayed(wire)
  }

  /** Piece bytes received (asked for or not). */
  get bytesDown(): number {
    return this.#sum((w) => w.stats.bytesDown, this.#closed.bytesDown)
  }

  /** Piece bytes served. */
  get bytesUp(): number {
    return this.#sum((w) => w.stats.bytesUp, this.#closed.bytesUp)
  }

  /** Bytes that went through the server relay, both ways. */
  get relayedBytes(): number {
    return this.#sum(relayed, this.#closed.relayed)
  }

  #sum(count: (wire: Wire) => number, closed: number): number {
    let open = 0
    for (const wire of this.#open) open += count(wire)
    return closed + open
  }
}

const relayed = (wire: Wire) => (wire.kind === 'relay' ? wire.stats.wireBytes : 0)
