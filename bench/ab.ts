/**
 * Two builds of the app in one browser session: the transfer of
 * bench/speed.ts with this checkout's build (dist/) and with another one
 * (SWARMDROP_AB_BASE: the dist/ of, say, main), rounds alternating base,
 * this, this, base, so a machine that drifts during the run moves both
 * alike. For a change whose gain is smaller than the drift between runs.
 *
 *   SWARMDROP_AB_BASE=/other/dist npm run bench -- ab            256 MiB, 2 rounds each
 *   SWARMDROP_AB_BASE=/other/dist npm run bench -- ab --quick    32 MiB
 *   SWARMDROP_AB_BASE=/other/dist npm run bench -- ab --big      1 GiB
 *   SWARMDROP_AB_BASE=/other/dist npm run bench -- ab --mirror   from a blind mirror (ab-mirror.ts)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer } from '../e2e/server.js'
import { MIB, launch, randomFile, sha256File, table } from './lib.js'
import { BrowserProbe } from './browser-metrics.js'
import { swarmdropDownload, swarmdropShare } from './speed.js'
import { abMirrorBench } from './ab-mirror.js'

interface Round {
  MiBps: number
  cpuPerGiB: number
  longest: number
  over50: number
  rssGrowthMiB: number
}

const FIGURES: [keyof Round, string, number][] = [
  ['MiBps', 'MiB/s', 1],
  ['cpuPerGiB', 'CPU-s/GiB', 0],
  ['longest', 'longest task ms', 0],
  ['over50', 'tasks over 50 ms', 0],
  ['rssGrowthMiB', 'renderer RSS growth MiB', 0],
]

export async function abBench(quick: boolean, big = process.argv.includes('--big')): Promise<void> {
  const base = process.env.SWARMDROP_AB_BASE
  if (!base || !existsSync(join(base, 'index.html'))) throw new Error('SWARMDROP_AB_BASE must name a built app (a dist/ directory)')
  if (process.argv.includes('--mirror')) {
    const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length))
    return abMirrorBench(base, quick, rounds > 0 ? rounds : 2)
  }
  const bytes = (quick ? 32 : big ? 1024 : 256) * MIB
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-ab-'))
  const servers = { base: await startTestServer(['--static-dir', base]), this: await startTestServer() }
  const browser = await launch()
  const runs: Record<keyof typeof servers, Round[]> = { base: [], this: [] }
  try {
    const probe = await BrowserProbe.attach(browser)
    const file = randomFile(join(dir, 'ab.bin'), bytes)
    const sha256 = await sha256File(file)
    for (const build of ['base', 'this', 'this', 'base'] as const) {
      const shared = await swarmdropShare(browser, servers[build], file, bytes)
      const got = await swarmdropDownload(browser, probe, shared.link, bytes, sha256)
      await got.page.context().close()
      await shared.page.context().close()
      const round = {
        MiBps: got.MiBps,
        cpuPerGiB: got.cpuPerGiB,
        longest: Math.max(0, ...got.longTasks),
        over50: got.longTasks.length,
        rssGrowthMiB: (got.peakRss - got.startRss) / MIB,
      }
      console.log(`${build}: ${FIGURES.map(([k, unit, d]) => `${round[k].toFixed(d)} ${unit}`).join(', ')}`)
      runs[build].push(round)
    }
  } finally {
    await browser.close()
    await Promise.all([servers.base.stop(), servers.this.stop()])
    rmSync(dir, { recursive: true, force: true })
  }
  const mean = (rs: Round[], k: keyof Round) => rs.reduce((s, r) => s + r[k], 0) / rs.length
  console.log(`\n${bytes / MIB} MiB transfers, this build against ${base}, same browser session\n`)
  console.log(
    table(
      FIGURES.map(([k, unit, d]) => ({
        figure: unit,
        base: `${mean(runs.base, k).toFixed(d)} (${runs.base.map((r) => r[k].toFixed(d)).join(', ')})`,
        this: `${mean(runs.this, k).toFixed(d)} (${runs.this.map((r) => r[k].toFixed(d)).join(', ')})`,
        'this ÷ base': `${(mean(runs.this, k) / mean(runs.base, k)).toFixed(2)}×`,
      })),
    ),
  )
}
