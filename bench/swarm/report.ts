/**
 * What a simulated run measured, the fluid-model lower bound it is judged
 * against, and the table `npm run bench -- swarm` prints.
 *
 * The bound (Kumar and Ross 2006; Qiu and Srikant 2004) for N downloaders
 * present from the start, file size F, seeder upload u_s, slowest download
 * d_min and downloader uploads u_i:
 *   T_min = max(F / u_s, F / d_min, N·F / (u_s + Σ u_i))
 * The seeder must send every byte once, the slowest downloader must receive
 * them, and all N copies must be uploaded by someone.
 */
import type { CryptoProvider } from '../../web/core/crypto/provider.js'
import type { ChunkStore } from '../../web/core/storage/chunk-store.js'
import type { Manifest } from '../../format/manifest.js'
import { bytesEqual } from '../../format/bytes.js'
import type { HostLinks } from './network.js'
import type { Scenario } from './scenarios.js'

export interface PeerOutcome {
  id: string
  role: 'seeder' | 'downloader' | 'liar'
  /** Full-size rates, as the scenario gives them. */
  links: HostLinks
  arrivedAt: number
  completedAt: number | null
  leftAt: number | null
  /** Sealed piece bytes, scaled down. */
  bytesUp: number
  bytesDown: number
  /** Pieces this peer verified and stored. */
  verified: number
}

export interface RunResult {
  scenario: Scenario
  /** Virtual time when the downloaders started arriving. */
  start: number
  /** The drop's sealed size, scaled down. */
  sealedBytes: number
  peers: PeerOutcome[]
  /** Pieces a downloader stored that do not hash to the manifest's id (must be 0). */
  corruptAccepted: number
  /** Pieces nobody online held when the run stopped (a run that could not finish). */
  lost: number[]
  timedOut: boolean
  dialsOpened: number
  lookups: number
}

export interface Summary {
  name: string
  n: number
  completed: number
  leftEarly: number
  /** Still there when the run ended, unfinished: a piece they lack was lost, or the run hit its limit. */
  stuck: number
  /** Seconds after the start. */
  median: number
  p90: number
  last: number
  bound: number
  seederUploadPerFile: number
  /** Piece bytes received that did not become a stored piece (duplicates, corrupt), over all downloaders' N × F. */
  wasted: number
  corruptAccepted: number
  lost: number[]
}

/** The fluid bound in seconds, from full-size rates and the full-size file. */
export function fluidBound(fileBytes: number, seederUp: number, downloaders: readonly HostLinks[]): number {
  const dMin = Math.min(...downloaders.map((d) => d.downBytesPerSecond))
  const uploads = downloaders.reduce((sum, d) => sum + d.upBytesPerSecond, 0)
  return Math.max(fileBytes / seederUp, fileBytes / dMin, (downloaders.length * fileBytes) / (seederUp + uploads))
}

export function summarize(result: RunResult): Summary {
  const { scenario, start, sealedBytes, peers } = result
  const downloaders = peers.filter((p) => p.role === 'downloader')
  const seeder = peers.find((p) => p.role === 'seeder')!
  const times = downloaders
    .filter((p) => p.completedAt !== null)
    .map((p) => (p.completedAt! - start) / 1000)
    .sort((a, b) => a - b)
  const at = (q: number) => (times.length ? times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] : Number.NaN)
  const pieceBytes = sealedBytes / (scenario.pieces || 1)
  const wasted = downloaders.reduce((sum, p) => sum + Math.max(0, p.bytesDown - p.verified * pieceBytes), 0)
  return {
    name: scenario.name,
    n: downloaders.length,
    completed: times.length,
    leftEarly: downloaders.filter((p) => p.completedAt === null && p.leftAt !== null).length,
    stuck: downloaders.filter((p) => p.completedAt === null && p.leftAt === null).length,
    median: at(0.5),
    p90: at(0.9),
    last: times.length === downloaders.length ? times[times.length - 1] : Number.NaN,
    bound: fluidBound(
      sealedBytes * scenario.scale,
      scenario.seeder.upBytesPerSecond,
      downloaders.map((d) => d.links),
    ),
    seederUploadPerFile: seeder.bytesUp / sealedBytes,
    wasted: wasted / (sealedBytes * Math.max(1, downloaders.length)),
    corruptAccepted: result.corruptAccepted,
    lost: result.lost,
  }
}

/** How many of the manifest's pieces `store` lacks or holds with bytes that do not hash to their id. */
export async function storedPiecesAreGenuine(
  crypto: CryptoProvider,
  store: ChunkStore,
  dropId: Uint8Array,
  manifest: Manifest,
): Promise<number> {
  const chunks = store.drop(dropId)
  let bad = 0
  for (const id of manifest.pieceIds) {
    const bytes = await chunks.get(id)
    if (!bytes || !bytesEqual(await crypto.sha256(bytes), id)) bad++
  }
  return bad
}

const f = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—')

export function formatTable(rows: readonly Summary[]): string {
  const header = [
    'scenario',
    'N',
    'done',
    'median s',
    'p90 s',
    'last s',
    'bound s',
    'median÷bound',
    'last÷bound',
    'seeder up÷F',
    'wasted÷N·F',
    'corrupt',
    'lost',
  ]
  const lines = rows.map((r) => [
    r.name,
    String(r.n),
    `${r.completed}${r.leftEarly ? ` +${r.leftEarly} left` : ''}${r.stuck ? ` +${r.stuck} stuck` : ''}`,
    f(r.median),
    f(r.p90),
    f(r.last),
    f(r.bound),
    `${f(r.median / r.bound, 2)}×`,
    `${f(r.last / r.bound, 2)}×`,
    f(r.seederUploadPerFile, 2),
    `${f(r.wasted * 100, 1)} %`,
    String(r.corruptAccepted),
    r.lost.length ? `${r.lost.length} pieces` : '0',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [row(header), ...lines.map(row)].join('\n')
}
