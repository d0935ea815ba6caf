/**
 * The simulated scenarios: who arrives when, on which links, and what each
 * does once done. Rates are full size (a 10 Mbit/s home uplink is
 * 1.25 MB/s); the simulator scales them with the pieces.
 */
import type { HostLinks } from './network.js'

export interface Scenario {
  name: string
  downloaders: number
  /** Pieces of the drop, each standing for a piece of 16 KiB × scale. */
  pieces: number
  scale: number
  seeder: HostLinks
  downloader: HostLinks
  /** 'flash': everyone within `spreadMs`; 'poisson': arrivals at `perSecond` on average. */
  arrival: { kind: 'flash'; spreadMs: number } | { kind: 'poisson'; perSecond: number }
  /** Share of downloaders that stay and seed once complete; the others leave at once. */
  stayFraction: number
  /** The seeder leaves as soon as every piece has reached some downloader. */
  seederLeavesAfterFirstCopy?: boolean
  /** Share of downloaders that leave for good partway (between 20 % and 80 % of the pieces). */
  churnFraction?: number
  /** Peers that announce every piece and serve each one corrupted. */
  liars?: number
  /** Whether the seeder super-seeds (the default), for the row that shows what it changes. */
  superSeed?: boolean
  seed: number
  /** Virtual time after which a run that has not finished is stopped. */
  limitMs: number
}

const mbit = (n: number) => (n * 1_000_000) / 8

/** A home connection: 50 Mbit/s down, 10 up, 25 ms to the core. */
export const HOME: HostLinks = { upBytesPerSecond: mbit(10), downBytesPerSecond: mbit(50), latencyMs: 25 }

/**
 * 128 pieces of 16 KiB standing for 128 KiB ones: a 16 MiB file. At that
 * scale a simulated piece is one request block, as a real 128 KiB piece is.
 */
const base = {
  pieces: 128,
  scale: 8,
  seeder: HOME,
  downloader: HOME,
  arrival: { kind: 'flash', spreadMs: 2_000 },
  stayFraction: 0,
  seed: 1,
  limitMs: 600_000,
} as const satisfies Partial<Scenario>

export function scenarios(quick: boolean): Scenario[] {
  const sizes = quick ? [10, 100] : [10, 100, 1000]
  // Quick (CI) keeps the harness honest in a minute or two: the variants at N = 30.
  const big = quick ? 30 : 1000
  return [
    ...sizes.map((n) => ({ ...base, name: 'flash crowd, leave when done', downloaders: n })),
    { ...base, name: 'the same, no super-seeding', downloaders: big, superSeed: false },
    { ...base, name: 'flash crowd, half stay to seed', downloaders: big, stayFraction: 0.5 },
    { ...base, name: 'seeder leaves after one copy', downloaders: big, seederLeavesAfterFirstCopy: true },
    { ...base, name: '20 % leave partway', downloaders: big, churnFraction: 0.2 },
    { ...base, name: 'two lying peers', downloaders: big, liars: 2 },
  ]
}
