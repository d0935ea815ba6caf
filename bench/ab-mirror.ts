/**
 * `npm run bench -- ab --mirror`: bench/ab.ts for a download from a blind
 * mirror. One drop exported with `swarmdrop export` into a real nginx,
 * downloaded from the mirror alone (link opened → file saved, SHA-256
 * checked) with this checkout's build and with another one
 * (SWARMDROP_AB_BASE), rounds alternating base, this, this, base, each in a
 * fresh context; next to them, in the same session, the page's plain
 * `fetch()` of every sealed piece (bench/plain-http.ts) before and after.
 *
 *   SWARMDROP_AB_BASE=/other/dist npm run bench -- ab --mirror            256 MiB, 2 rounds each
 *   SWARMDROP_AB_BASE=/other/dist npm run bench -- ab --mirror --rounds=4  4 each
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer } from '../e2e/server.js'
import { startNginx } from '../e2e/nginx.js'
import { runCli } from '../cli/cli.fixtures.js'
import { MIRROR_LAYOUT_DIR } from '../format/mirror-layout.js'
import { MAX_PIPELINE_BLOCKS } from '../web/core/swarm/constants.js'
import { REQUEST_BLOCK_BYTES } from '../web/core/wire/constants.js'
import { MIB, launch, randomFile, sha256File, table } from './lib.js'
import { BrowserProbe } from './browser-metrics.js'
import { swarmdropDownload } from './speed.js'
import { startStaticServer } from './static-server.js'
import { browserFetch } from './plain-http.js'

interface Round {
  MiBps: number
  cpuPerGiB: number
  rssGrowth: number
  /** Link opened → every piece stored, s. */
  stored: number
  /** Every piece stored → file saved, s. */
  tail: number
}

const FIGURES: [keyof Round, string, number][] = [
  ['MiBps', 'MiB/s', 1],
  ['cpuPerGiB', 'CPU-s/GiB', 0],
  ['rssGrowth', 'renderer RSS + MiB', 0],
  ['stored', 'all stored, s', 1],
  ['tail', 'stored → saved, s', 2],
]

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')

export async function abMirrorBench(base: string, quick: boolean, rounds: number): Promise<void> {
  const bytes = (quick ? 32 : 256) * MIB
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-ab-mirror-'))
  const root = join(dir, 'www')
  mkdirSync(root)
  const loadAtStart = loadAverage()
  const nginx = await startNginx([{ root, cors: true }])
  const mirrorOrigin = new URL(nginx.bases[0]).origin
  const servers = {
    base: await startTestServer(['--mirror-origins', mirrorOrigin, '--static-dir', base]),
    this: await startTestServer(['--mirror-origins', mirrorOrigin]),
  }
  const origin = await startStaticServer()
  const browser = await launch()
  const runs: Record<keyof typeof servers, Round[]> = { base: [], this: [] }
  const plain: number[] = []
  try {
    const probe = await BrowserProbe.attach(browser)
    const file = randomFile(join(dir, 'ab-mirror.bin'), bytes)
    const sha256 = await sha256File(file)
    const exported = await runCli(['export', '--out', root, '--mirror', nginx.bases[0], '--server', servers.this.url, file])
    if (exported.code !== 0) throw new Error(`swarmdrop export exited with ${exported.code}: ${exported.stderr}`)
    const link = exported.stdout.trim()
    const cid = link.split('&')[0].split('#')[1].split('.')[0]
    const piecesPath = `${MIRROR_LAYOUT_DIR}/${cid}/pieces/`
    const names = readdirSync(join(root, piecesPath))
    const urls = names.map((name) => nginx.bases[0] + piecesPath + name)
    const concurrency = Math.max(1, Math.floor((MAX_PIPELINE_BLOCKS * REQUEST_BLOCK_BYTES) / (bytes / names.length)))
    const plainPage = await (await browser.newContext()).newPage()
    await plainPage.goto(`${origin.url}/`)
    const fetchAll = async () => {
      const pulled = await browserFetch(plainPage, urls, concurrency)
      plain.push(pulled.bytes / MIB / pulled.seconds)
    }
    await fetchAll()
    const order = Array.from({ length: rounds }, (_, i) => (i % 2 === 0 ? (['base', 'this'] as const) : (['this', 'base'] as const))).flat()
    for (const build of order) {
      const run = await swarmdropDownload(browser, probe, link.replace(servers.this.url, servers[build].url), bytes, sha256)
      await run.page.context().close()
      const stored = (run.completeMs ?? NaN) / 1000
      const round = {
        MiBps: run.MiBps,
        cpuPerGiB: run.cpuPerGiB,
        rssGrowth: (run.peakRss - run.startRss) / MIB,
        stored,
        tail: run.seconds - stored,
      }
      console.log(`${build}: ${FIGURES.map(([k, unit, d]) => `${round[k].toFixed(d)} ${unit}`).join(', ')}`)
      runs[build].push(round)
    }
    await fetchAll()
  } finally {
    await browser.close()
    await origin.close()
    await Promise.all([servers.base.stop(), servers.this.stop()])
    await nginx.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
  const of = (rs: Round[], k: keyof Round) => mean(rs.map((r) => r[k]))
  const http = mean(plain)
  console.log(`\n${bytes / MIB} MiB from a blind mirror (nginx), this build against ${base}, same browser session`)
  console.log(`load average at start ${loadAtStart}, at end ${loadAverage()}`)
  console.log(`plain HTTP in a page (before / after): ${plain.map((p) => p.toFixed(1)).join(' / ')} MiB/s\n`)
  console.log(
    table([
      ...FIGURES.map(([k, unit, d]) => ({
        figure: unit,
        base: `${of(runs.base, k).toFixed(d)} (${runs.base.map((r) => r[k].toFixed(d)).join(', ')})`,
        this: `${of(runs.this, k).toFixed(d)} (${runs.this.map((r) => r[k].toFixed(d)).join(', ')})`,
        'this ÷ base': `${(of(runs.this, k) / of(runs.base, k)).toFixed(2)}×`,
      })),
      {
        figure: '÷ plain HTTP',
        base: `${(of(runs.base, 'MiBps') / http).toFixed(2)}×`,
        this: `${(of(runs.this, 'MiBps') / http).toFixed(2)}×`,
        'this ÷ base': '',
      },
    ]),
  )
}
