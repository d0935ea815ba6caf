/**
 * Piece picker: rarest first, random among equals. A pure function of what
 * the peer has, what we still want, how many peers hold each piece and a
 * random source, so it is tested without any network.
 *
 * Rarest first spreads the pieces that could vanish with one peer before the
 * common ones; random tie-breaking keeps downloaders that start together from
 * all asking for the same piece.
 */
import type { PieceSet } from './bitfield.js'

export interface PickInput {
  /** What the candidate peer holds. */
  peerHas: PieceSet
  /** Whether we still want to start piece i (not held, not already being fetched). */
  wanted: (index: number) => boolean
  /** How many connected peers hold each piece. */
  availability: ArrayLike<number>
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random: () => number
}

export function pickRarest({ peerHas, wanted, availability, random }: PickInput): number | undefined {
  let best: number | undefined
  let bestAvailability = Infinity
  let ties = 0
  for (let i = 0; i < peerHas.size; i++) {
    if (!peerHas.has(i) || !wanted(i)) continue
    const a = availability[i]
    if (a < bestAvailability) {
      best = i
      bestAvailability = a
      ties = 1
    } else if (a === bestAvailability) {
      // Reservoir sampling: each of the equally rare pieces ends up chosen with probability 1/ties.
      ties++
      if (random() * ties < 1) best = i
    }
  }
  return best
}
