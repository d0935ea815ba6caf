/**
 * `npm run bench -- swarm [--quick]`: the swarm simulator (bench/swarm/) on
 * its scenarios, each next to the fluid-model bound for its links. Quick
 * runs the flash crowd at N = 10 and 100 and the variants at N = 30 (a
 * minute or two); the full run has N = 10, 100, 1,000 and the variants at
 * 1,000 (about an hour here: 11 minutes per N = 1,000 scenario).
 */
import { runScenario } from './swarm/sim.js'
import { scenarios } from './swarm/scenarios.js'
import { type Summary, formatTable, summarize } from './swarm/report.js'

export async function swarmBench(quick: boolean): Promise<void> {
  const list = scenarios(quick)
  const { pieces, scale, seeder, downloader } = list[0]
  console.log(
    `\n## swarm: the real engines on a simulated network (${pieces} pieces of 16 KiB standing for ${16 * scale} KiB: a ${(pieces * 16 * scale) / 1024} MiB file)`,
  )
  console.log(
    `seeder up ${mbit(seeder.upBytesPerSecond)} Mbit/s; downloaders ${mbit(downloader.downBytesPerSecond)} down / ${mbit(downloader.upBytesPerSecond)} up, ${downloader.latencyMs} ms to the core`,
  )
  const rows: Summary[] = []
  for (const scenario of list) {
    const started = performance.now()
    const row = summarize(await runScenario(scenario))
    rows.push(row)
    console.log(`  ${scenario.name}, N = ${scenario.downloaders}: ${((performance.now() - started) / 1000).toFixed(1)} s of wall time`)
  }
  console.log(formatTable(rows))
  const flash = rows.filter((r) => r.name === list[0].name)
  const [smallest, largest] = [flash[0], flash[flash.length - 1]]
  console.log(
    `time(N = ${largest.n}) ÷ time(N = ${smallest.n}): ${(largest.last / smallest.last).toFixed(2)}× (target ≤ 2×); ` +
      `N = ${largest.n}: last ${(largest.last / largest.bound).toFixed(2)}× the bound (target ≤ 1.5×), median ${(largest.median / largest.bound).toFixed(2)}× (≤ 1.2×), seeder sent ${largest.seederUploadPerFile.toFixed(2)} × the file (≤ 1.5×)`,
  )
  const corrupt = rows.reduce((n, r) => n + r.corruptAccepted, 0)
  if (corrupt > 0) throw new Error(`${corrupt} corrupt pieces were accepted`)
}

const mbit = (bytesPerSecond: number) => (bytesPerSecond * 8) / 1_000_000
