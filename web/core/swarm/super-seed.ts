/**
 * Super-seeding (after BitTorrent's BEP 16): a lone seeder's first copy.
 *
 * A drop's only seeder has one uplink, and every downloader connected to it
 * picks rarest first, where every piece is equally rare (only the seeder has
 * it): they ask it for the same pieces, its uplink sends the file many times
 * over before the downloaders hold one copy among them, and shared among two
 * dozen peers it takes two dozen times as long to finish any one piece. So
 * while it seeds alone, the seeder announces nothing in its HELLO and reveals
 * pieces (HAVE) a few at a time: at most MAX_OFFERED outstanding among all
 * its peers, in turn, each time the piece the fewest connected peers hold or
 * have been offered. Each byte of its uplink is new to the swarm and reaches
 * it soon; the downloaders trade the rest among themselves.
 *
 * The first peers (TOLD_ALL) are told of everything, as without
 * super-seeding: a transfer to one person, and a player's reads from it, run
 * as before. Super-seeding
 * ends for good once the connected peers hold a full copy between them (a
 * complete peer joining holds one alone): every piece then goes out to every
 * peer, and seeding is as usual. Only announcements change: a request for a
 * piece not revealed yet is served like any other.
 */
import type { Peer } from './peer.js'
import { Bitfield } from './bitfield.js'

/**
 * Pieces revealed and not yet held, among all peers: enough to keep the
 * seeder's uplink busy across a round trip and the receiver's verify-and-store
 * before its HAVE comes back.
 */
export const MAX_OFFERED = 8
/** Peers told of every piece before super-seeding starts for the others. */
export const TOLD_ALL = 1

export class SuperSeed {
  readonly #pieces: number
  /** Connected peers holding each piece. */
  readonly #held: Uint16Array
  /** Connected peers each piece was revealed to and that lack it. */
  readonly #offered: Uint16Array
  /** Pieces by how many peers hold or were offered them (#held + #offered), to find the scarcest at once. */
  readonly #byCount: Set<number>[] = [new Set()]
  readonly #revealed = new Map<Peer, Bitfield>()
  /** Peers told of every piece in our HELLO (the first ones): no offers to count for them. */
  readonly #toldAll = new Set<Peer>()
  /** Peers whose HELLO told them of nothing, and whose own HELLO has not arrived yet. */
  readonly #hidden = new Set<Peer>()
  /** Pieces revealed to each peer that it does not hold yet. */
  readonly #outstanding = new Map<Peer, number>()
  /** Connected peers in the order they were last offered a piece (insertion order), oldest first. */
  readonly #waitingSince = new Map<Peer, number>()
  #turn = 0
  /** Pieces some connected peer holds: the full copy is out when this reaches #pieces. */
  #covered = 0
  #ended = false

  constructor(pieceCount: number) {
    this.#pieces = pieceCount
    this.#held = new Uint16Array(pieceCount)
    this.#offered = new Uint16Array(pieceCount)
    for (let i = 0; i < pieceCount; i++) this.#byCount[0].add(i)
  }

  get active(): boolean {
    return !this.#ended
  }

  /**
   * A peer's HELLO arrived: what it holds counts, and it is told of pieces
   * (or, if the full copy is now out, everyone is told of everything).
   */
  /**
   * A connection opened: whether our HELLO should tell this peer of every
   * piece. The first TOLD_ALL peers are (a few friends, or a few people
   * watching, see everything at once); the ones after them are super-seeded.
   */
  tellsAll(peer: Peer): boolean {
    if (this.#ended) return true
    if (this.#toldAll.size >= TOLD_ALL || this.#revealed.size + this.#hidden.size > 0) {
      this.#hidden.add(peer)
      return false
    }
    this.#toldAll.add(peer)
    return true
  }

  peerJoined(peer: Peer): void {
    // A peer told of everything does not count towards the full copy: a crowd's first arrivals would end it for the rest.
    if (this.#ended || !this.#hidden.delete(peer)) return
    for (const i of peer.has!.indices()) this.#gain(i)
    this.#revealed.set(peer, new Bitfield(this.#pieces))
    this.#outstanding.set(peer, 0)
    this.#waitingSince.set(peer, ++this.#turn)
    this.#send(this.#covered === this.#pieces ? this.#end() : this.#offer())
  }

  /** The peer announced a piece: it (or another peer) may be told of the next. */
  peerHas(peer: Peer, piece: number): void {
    if (this.#ended || !this.#revealed.has(peer)) return
    if (this.#revealed.get(peer)?.has(piece)) {
      this.#move(piece, () => this.#offered[piece]--)
      this.#outstanding.set(peer, this.#outstanding.get(peer)! - 1)
    }
    this.#gain(piece)
    this.#send(this.#covered === this.#pieces ? this.#end() : this.#offer())
  }

  /** The peer is gone: what it held or was offered no longer counts, and its offers go to others. */
  peerLeft(peer: Peer): void {
    const revealed = this.#revealed.get(peer)
    if (this.#toldAll.delete(peer) || this.#hidden.delete(peer) || this.#ended || !revealed) return
    this.#revealed.delete(peer)
    this.#outstanding.delete(peer)
    this.#waitingSince.delete(peer)
    for (const i of revealed.indices()) if (!peer.has!.has(i)) this.#move(i, () => this.#offered[i]--)
    for (const i of peer.has!.indices()) {
      this.#move(i, () => this.#held[i]--)
      if (this.#held[i] === 0) this.#covered--
    }
    this.#send(this.#offer())
  }

  /** Tells peers of the pieces revealed to them. */
  #send(reveals: Map<Peer, number[]>): void {
    for (const [peer, pieces] of reveals) {
      if (peer.wire.closed) continue
      for (const i of pieces) peer.wire.have(i)
    }
  }

  #gain(piece: number): void {
    this.#move(piece, () => this.#held[piece]++)
    if (this.#held[piece] === 1) this.#covered++
  }

  /** Changes a piece's counts through `change`, keeping #byCount in step. */
  #move(piece: number, change: () => void): void {
    this.#byCount[this.#held[piece] + this.#offered[piece]].delete(piece)
    change()
    const count = this.#held[piece] + this.#offered[piece]
    while (this.#byCount.length <= count) this.#byCount.push(new Set())
    this.#byCount[count].add(piece)
  }

  /** Hands out free offer slots, peers in turn (the one waiting longest first), each the scarcest piece it lacks. */
  #offer(): Map<Peer, number[]> {
    const reveals = new Map<Peer, number[]>()
    let total = 0
    for (const n of this.#outstanding.values()) total += n
    const lacking = [...this.#revealed.keys()].filter((p) => !p.has!.complete)
    const perPeer = Math.max(1, Math.ceil(MAX_OFFERED / Math.max(1, lacking.length)))
    for (let progress = true; total < MAX_OFFERED && progress; ) {
      progress = false
      for (const peer of this.#turns()) {
        if (total >= MAX_OFFERED) break
        if (peer.has!.complete || this.#outstanding.get(peer)! >= perPeer) continue
        const picked = this.#pick(peer, 1)
        if (picked.length === 0) continue
        reveals.set(peer, [...(reveals.get(peer) ?? []), ...picked])
        this.#waitingSince.delete(peer)
        this.#waitingSince.set(peer, ++this.#turn)
        total++
        progress = true
      }
    }
    return reveals
  }

  /** Peers, the one whose last offer is oldest first. */
  #turns(): Peer[] {
    return [...this.#waitingSince.keys()]
  }

  /** Reveals to `peer` up to `count` of the scarcest pieces it lacks and has not been told of. */
  #pick(peer: Peer, count: number): number[] {
    const revealed = this.#revealed.get(peer)!
    const picked: number[] = []
    for (const bucket of this.#byCount) {
      for (const i of bucket) {
        if (picked.length >= count) break
        if (!revealed.has(i) && !peer.has!.has(i)) picked.push(i)
      }
      if (picked.length >= count) break
    }
    for (const i of picked) {
      revealed.set(i)
      this.#move(i, () => this.#offered[i]++)
    }
    this.#outstanding.set(peer, this.#outstanding.get(peer)! + picked.length)
    return picked
  }

  /** The full copy is out: every piece not yet revealed to a peer, for each peer. */
  #end(): Map<Peer, number[]> {
    this.#ended = true
    const rest = new Map<Peer, number[]>()
    const every = Array.from({ length: this.#pieces }, (_, i) => i)
    for (const peer of this.#hidden) rest.set(peer, every)
    for (const [peer, revealed] of this.#revealed) {
      const missing: number[] = []
      for (let i = 0; i < this.#pieces; i++) if (!revealed.has(i)) missing.push(i)
      rest.set(peer, missing)
    }
    this.#revealed.clear()
    this.#toldAll.clear()
    this.#hidden.clear()
    this.#outstanding.clear()
    this.#waitingSince.clear()
    return rest
  }
}
