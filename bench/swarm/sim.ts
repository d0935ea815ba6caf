/**
 * The swarm simulator: real Engines (peer links and their limits, drops,
 * swarms, picker, downloader, uploader, wires) on a modeled network
 * (network.ts) and a modeled server (hub.ts, the real tracker state), all on
 * one virtual clock. Between two timer firings every promise the engines
 * started settles (their crypto and stores settle in microtasks), so a run
 * depends on nothing but its scenario and seed.
 *
 * Pieces are scaled down (`scale`): a 16 KiB piece stands for a 16 × 16 KiB
 * one, and every rate is divided by the same factor, so times come out as
 * for the full-size file. The pieces are sealed, sent, hashed and verified
 * for real.
 */
import { Engine } from '../../web/core/engine.js'
import { memoryStore } from '../../web/core/storage/memory-store.js'
import { memoryLibrary } from '../../web/core/library/library-store.js'
import { type CryptoProvider, nobleProvider } from '../../web/core/crypto/provider.js'
import { bytesSource } from '../../web/core/chunking/source.js'
import { parseLink } from '../../web/core/content/link.js'
import { ManualClock } from '../../web/core/util/clock.js'
import { pseudoRandomBytes, seededRandom } from '../../web/core/util/random.js'
import type { ChunkStore } from '../../web/core/storage/chunk-store.js'
import type { Drop } from '../../web/core/drop.js'
import { RTC_HIGH_WATER_BYTES } from '../../web/core/transport/webrtc.js'
import { sealedPieceLength } from '../../format/manifest.js'
import { digestOfCid } from '../../format/cid.js'
import { type HostLinks, SimNetwork } from './network.js'
import { SimHub } from './hub.js'
import { simDials } from './dial.js'
import { lyingStore } from './lying-store.js'
import type { Scenario } from './scenarios.js'
import { type PeerOutcome, type RunResult, storedPiecesAreGenuine } from './report.js'

/** The smallest piece the format allows: what every simulated piece is. */
export const SIM_PIECE_BYTES = 16 * 1024
const EPOCH = Date.UTC(2026, 0, 1)

interface SimPeer extends PeerOutcome {
  engine: Engine
  drop?: Drop
  store: ChunkStore
}

/** Lets every promise started so far settle: one macrotask turn drains the whole microtask queue. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A look at the running swarm, for tracing a scenario: every online peer's drop. */
export interface SwarmView {
  elapsedMs: number
  /** `sent`: bytes its uplink has sent, every frame. */
  peers: { id: string; role: PeerOutcome['role']; drop?: Drop; sent: number }[]
}

export interface RunOptions {
  /** Called every `everyMs` of virtual time while downloaders are arriving or downloading. */
  observe?: { everyMs: number; view: (view: SwarmView) => void }
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const random = seededRandom(scenario.seed)
  const clock = new ManualClock(EPOCH)
  // The page's data channels pause above RTC_HIGH_WATER_BYTES buffered; scaled like the pieces.
  const net = new SimNetwork(clock, random, RTC_HIGH_WATER_BYTES / scenario.scale)
  const hub = new SimHub(net, seededRandom(scenario.seed + 1))
  const dials = simDials(net)
  const crypto = await warmedNoble()
  const scale = (links: HostLinks): HostLinks => ({
    ...links,
    upBytesPerSecond: links.upBytesPerSecond / scenario.scale,
    downBytesPerSecond: links.downBytesPerSecond / scenario.scale,
  })
  const peers: SimPeer[] = []
  let nextPeer = 0

  const addPeer = (role: PeerOutcome['role'], links: HostLinks, store: ChunkStore = memoryStore()): SimPeer => {
    const id = `${role}-${String(nextPeer++).padStart(4, '0')}`
    net.addHost(id, scale(links))
    const engine = new Engine({
      store,
      library: memoryLibrary(),
      crypto,
      signaling: hub.connect(id),
      dial: dials.dialerFor(id),
      clock,
      random: seededRandom(scenario.seed * 7919 + nextPeer),
      superSeed: scenario.superSeed,
    })
    const peer: SimPeer = {
      id,
      role,
      links,
      engine,
      store,
      arrivedAt: clock.now(),
      completedAt: null,
      leftAt: null,
      bytesUp: 0,
      bytesDown: 0,
      verified: 0,
    }
    peers.push(peer)
    return peer
  }

  /** Downloaders that completed or left. */
  const settled = new Set<SimPeer>()
  /** Honest peers online holding each piece (set once the drop is sealed), and how many pieces nobody holds. */
  let holders = new Uint32Array(0)
  let gone = 0
  const close = (peer: SimPeer) => {
    count(peer)
    peer.engine.close()
    hub.client(peer.id)?.close()
    net.removeHost(peer.id)
  }
  const leave = (peer: SimPeer) => {
    if (peer.leftAt !== null) return
    peer.leftAt = clock.now()
    if (peer.role === 'downloader') settled.add(peer)
    const have = peer.role === 'liar' ? null : peer.drop?.swarm.have
    for (const i of have?.indices() ?? []) if (--holders[i] === 0) gone++
    close(peer)
  }

  /** What the peer's uplink sent (every frame), and the piece bytes it received. */
  const count = (peer: SimPeer) => {
    peer.bytesUp = net.host(peer.id)?.counters.sent ?? peer.bytesUp
    peer.bytesDown = peer.drop?.swarm.bytesDown ?? 0
  }

  const run = async (until: () => boolean, limitAt: number) => {
    await settle()
    while (!until()) {
      const next = clock.nextAt()
      if (next === undefined || next > limitAt) return false
      clock.step()
      await settle()
    }
    return true
  }

  // The seeder seals the file (its ingest runs on the same clock).
  const content = pseudoRandomBytes(scenario.pieces * (SIM_PIECE_BYTES - 16), scenario.seed)
  const seeder = addPeer('seeder', scenario.seeder)
  const secret = pseudoRandomBytes(32, scenario.seed + 2)
  const sharing = seeder.engine.share([bytesSource('data.bin', content)], { pieceSize: SIM_PIECE_BYTES, secret })
  let shared: Awaited<typeof sharing> | undefined
  void sharing.then((s) => (shared = s))
  await run(() => shared !== undefined, clock.now() + 60_000)
  if (!shared) throw new Error('the seeder did not finish sealing')
  seeder.drop = shared.drop
  const manifest = shared.drop.swarm.manifest!
  const sealedBytes = manifest.pieceIds.reduce((sum, _, i) => sum + sealedPieceLength(manifest, i), 0)
  const target = parseLink(`#${shared.fragment}`)
  const cidDigest = digestOfCid(target.cid)
  const start = clock.now()

  // Liars hold every piece's id but serve garbage for each: complete members, listed first to everyone.
  for (let i = 0; i < (scenario.liars ?? 0); i++) {
    const source = seeder.store.drop(cidDigest)
    const liar = addPeer('liar', scenario.downloader, lyingStore(memoryStore(), cidDigest))
    const own = liar.store.drop(cidDigest)
    await own.put(cidDigest, (await source.get(cidDigest))!)
    for (const id of manifest.pieceIds) await own.put(id, (await source.get(id))!)
    void liar.engine.open(target).then((drop) => (liar.drop = drop))
  }

  /** Downloaders holding each piece, for "the seeder leaves once one copy is out". */
  const copies = new Uint16Array(manifest.pieceIds.length)
  let piecesOut = 0
  holders = new Uint32Array(manifest.pieceIds.length).fill(1) // the seeder's
  const churners = new Set<number>()
  for (let i = 0; i < scenario.downloaders; i++) if (random() < (scenario.churnFraction ?? 0)) churners.add(i)

  const arrive = (index: number) => {
    const peer = addPeer('downloader', scenario.downloader)
    const stays = random() < scenario.stayFraction
    const leaveAtFraction = churners.has(index) ? 0.2 + random() * 0.6 : null
    void peer.engine.open(target).then((drop) => {
      peer.drop = drop
      drop.swarm.events.on('piece', (piece) => {
        peer.verified++
        if (holders[piece]++ === 0) gone--
        if (copies[piece]++ === 0) piecesOut++
        if (scenario.seederLeavesAfterFirstCopy && piecesOut === copies.length) leave(seeder)
        if (leaveAtFraction !== null && peer.verified >= leaveAtFraction * copies.length && !drop.swarm.have?.complete) leave(peer)
      })
      drop.swarm.events.on('complete', () => {
        peer.completedAt = clock.now()
        settled.add(peer)
        if (!stays) leave(peer)
      })
    })
  }
  arrivals(scenario, random).forEach((at, index) => clock.setTimeout(() => arrive(index), at))
  const { observe } = options
  const observer =
    observe &&
    clock.setInterval(() => {
      const online = peers
        .filter((p) => p.leftAt === null)
        .map(({ id, role, drop }) => ({ id, role, drop, sent: net.host(id)?.counters.sent ?? 0 }))
      observe.view({ elapsedMs: clock.now() - start, peers: online })
    }, observe.everyMs)

  const downloaders = () => peers.filter((p) => p.role === 'downloader')
  /** Every downloader still here lacks a piece nobody holds any more: none of them can finish. */
  const stranded = () =>
    gone > 0 &&
    peers.every(
      (p) => p.role !== 'downloader' || settled.has(p) || [...holders.keys()].some((i) => holders[i] === 0 && !p.drop?.swarm.have?.has(i)),
    )
  // Checked after every timer: counts, not a scan of a thousand peers (but when pieces are gone).
  const done = await run(() => settled.size === scenario.downloaders || stranded(), start + scenario.limitMs)
  clock.clearInterval(observer)

  let corruptAccepted = 0
  for (const peer of downloaders()) {
    if (peer.leftAt === null) count(peer)
    if (peer.completedAt !== null) corruptAccepted += await storedPiecesAreGenuine(crypto, peer.store, cidDigest, manifest)
  }
  if (seeder.leftAt === null) count(seeder)
  const unfinished = downloaders().some((p) => p.completedAt === null)
  const lost = unfinished ? [...holders.keys()].filter((i) => holders[i] === 0) : []
  for (const peer of peers) if (peer.leftAt === null) close(peer)
  return {
    scenario,
    start,
    sealedBytes,
    peers: peers.map(({ engine, drop, store, ...outcome }) => outcome),
    corruptAccepted,
    lost,
    timedOut: !done,
    dialsOpened: dials.opened,
    lookups: hub.lookups,
  }
}

/** @noble's provider with its modules loaded: from then on it settles in microtasks, in step with the clock. */
async function warmedNoble(): Promise<CryptoProvider> {
  const crypto = nobleProvider()
  const key = await crypto.importAeadKey(new Uint8Array(32))
  await crypto.decrypt(
    key,
    new Uint8Array(12),
    new Uint8Array(0),
    await crypto.encrypt(key, new Uint8Array(12), new Uint8Array(0), new Uint8Array(1)),
  )
  await crypto.hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 32)
  await crypto.ed25519.publicKey(new Uint8Array(32))
  return crypto
}

/** Arrival times (ms after the start) of every downloader. */
function arrivals(scenario: Scenario, random: () => number): number[] {
  const times: number[] = []
  let t = 0
  for (let i = 0; i < scenario.downloaders; i++) {
    if (scenario.arrival.kind === 'flash') times.push(random() * scenario.arrival.spreadMs)
    else times.push((t += (-Math.log(1 - random()) * 1000) / scenario.arrival.perSecond))
  }
  return times
}
