/**
 * The mirror benchmark (issue 17): a drop exported with `swarmdrop export`
 * into a real nginx root (with CORS), downloaded by fresh browsers from the
 * mirror alone, from one browser peer alone and from both, next to plain
 * HTTP fetches of the same sealed piece files from the same nginx in the
 * same run. Every download is link opened → file saved, its SHA-256 checked.
 *
 *   npm run bench -- mirror            256 MiB
 *   npm run bench -- mirror --quick    16 MiB, about a minute
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { BrowserContext, Page } from '@playwright/test'
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
import { CURL_PATH, type Pulled, browserFetch, curlFetch, nodeFetch } from './plain-http.js'

interface Row {
  source: string
  'MiB/s': string
  seconds: string
  'CPU-s/GiB': string
  /** The downloading page's renderer: RSS growth over the download. */
  'RSS + MiB': string
  note: string
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '?')
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')

/** Keeps every resource timing entry (the default buffer holds 250): the mirror's GETs, for their concurrency. */
async function keepResourceTimings(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => performance.setResourceTimingBufferSize(1_000_000))
}

/**
 * The page's GETs under `prefix`: how many, how long each took (from the
 * fetch() call, so queued for a connection included), how many were in
 * flight (mean over their span, and most), and when the last one ended.
 */
async function getsInFlight(page: Page, prefix: string) {
  const spans = await page.evaluate(
    (prefix) =>
      performance
        .getEntriesByType('resource')
        .filter((e): e is PerformanceResourceTiming => e.name.startsWith(prefix))
        .map((e) => [e.startTime, e.responseEnd, e.name] as [number, number, string]),
    prefix,
  )
  if (spans.length === 0) return { count: 0, pieces: 0, meanMs: NaN, mean: NaN, max: 0, lastEndMs: NaN }
  const edges = spans.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ])
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let open = 0
  let max = 0
  for (const [, step] of edges) max = Math.max(max, (open += step))
  const busyMs = spans.reduce((sum, [start, end]) => sum + (end - start), 0)
  const lastEndMs = Math.max(...spans.map((s) => s[1]))
  const wallMs = lastEndMs - Math.min(...spans.map((s) => s[0]))
  return {
    count: spans.length,
    pieces: new Set(spans.map((s) => s[2])).size,
    meanMs: busyMs / spans.length,
    mean: busyMs / wallMs,
    max,
    lastEndMs,
  }
}

/** Clicks the file's Save button on a page holding the whole drop; seconds until the browser saved it, checked. */
async function saveAgain(page: Page, name: string, sha256: string, timeoutMs: number): Promise<number> {
  const saved = page.waitForEvent('download', { timeout: timeoutMs })
  const started = performance.now()
  await page.getByRole('button', { name: `Save ${name}`, exact: true }).click()
  const path = await (await saved).path()
  const seconds = (performance.now() - started) / 1000
  if ((await sha256File(path)) !== sha256) throw new Error(`the file saved again differs from the original`)
  return seconds
}

export async function mirrorBench(quick: boolean): Promise<void> {
  const bytes = (quick ? 16 : 256) * MIB
  const timeoutMs = quick ? 180_000 : 900_000
  const rows: Row[] = []
  const ratios: Record<string, string>[] = []
  const loadAtStart = loadAverage()
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-mirror-bench-'))
  const root = join(dir, 'www')
  mkdirSync(root)
  const nginx = await startNginx([{ root, cors: true }])
  const [base] = nginx.bases
  const server = await startTestServer(['--mirror-origins', new URL(base).origin])
  const origin = await startStaticServer()
  const browser = await launch()
  const probe = await BrowserProbe.attach(browser)
  const contexts: BrowserContext[] = []
  try {
    const file = randomFile(join(dir, `payload-${bytes / MIB}MiB.bin`), bytes)
    const sha256 = await sha256File(file)
    const exportStarted = performance.now()
    const exported = await runCli(['export', '--out', root, '--mirror', base, '--server', server.url, file])
    if (exported.code !== 0) throw new Error(`swarmdrop export exited with ${exported.code}: ${exported.stderr}`)
    const exportSeconds = (performance.now() - exportStarted) / 1000
    const link = exported.stdout.trim()
    const bare = link.split('&')[0]
    const cid = bare.split('#')[1].split('.')[0]
    const piecesPath = `${MIRROR_LAYOUT_DIR}/${cid}/pieces/`
    const names = readdirSync(join(root, piecesPath))
    const urls = names.map((name) => base + piecesPath + name)
    const sealedBytes = names.reduce((sum, name) => sum + statSync(join(root, piecesPath, name)).size, 0)
    const pieceBytes = Math.max(...names.map((name) => statSync(join(root, piecesPath, name)).size))
    // The most GETs the app keeps in flight to one mirror: its largest pipeline, in whole pieces.
    const concurrency = Math.max(1, Math.floor((MAX_PIPELINE_BLOCKS * REQUEST_BLOCK_BYTES) / pieceBytes))

    const plainPage = await (await browser.newContext()).newPage()
    contexts.push(plainPage.context())
    await plainPage.goto(origin.url + '/')
    const plain = async (label: string, pull: () => Promise<Pulled>, note: string, browserCpu = true) => {
      const cpuBefore = await probe.cpuSeconds()
      const pulled = await pull()
      const cpu = (await probe.cpuSeconds()) - cpuBefore
      if (pulled.bytes !== sealedBytes) throw new Error(`${label} pulled ${pulled.bytes} bytes of ${sealedBytes}`)
      const MiBps = pulled.bytes / MIB / pulled.seconds
      rows.push({
        source: label,
        'MiB/s': fmt(MiBps),
        seconds: fmt(pulled.seconds, 2),
        'CPU-s/GiB': browserCpu ? fmt((cpu * 1024 * MIB) / pulled.bytes) : '—',
        'RSS + MiB': '—',
        note,
      })
      return MiBps
    }
    const inBrowser = `${urls.length} pieces, ${concurrency} fetch() loops, bodies dropped`
    const httpBefore = await plain('plain HTTP, browser (before)', () => browserFetch(plainPage, urls, concurrency), inBrowser)
    await plain('plain HTTP + SHA-256, browser', () => browserFetch(plainPage, urls, concurrency, true), 'each body hashed (crypto.subtle)')
    await plain('plain HTTP, Node fetch', () => nodeFetch(urls, concurrency), `Node ${process.version}, not the browser`, false)
    // curl is a reference only, and not among what `npm test` installs: without it, the row says so.
    if (existsSync(CURL_PATH)) {
      await plain(
        'plain HTTP, curl',
        () => curlFetch(urls, concurrency, join(dir, 'curl.conf')),
        `curl --parallel-max ${concurrency}`,
        false,
      )
    } else
      rows.push({ source: 'plain HTTP, curl', 'MiB/s': '—', seconds: '—', 'CPU-s/GiB': '—', 'RSS + MiB': '—', note: `no ${CURL_PATH}` })

    // (b) The mirror alone. Its page then seeds: the browser peer of the next two rounds.
    const swarmdrop = async (label: string, url: string, note: string) => {
      const run = await swarmdropDownload(browser, probe, url, bytes, sha256, { prepare: keepResourceTimings, timeoutMs })
      contexts.push(run.page.context())
      const gets = await getsInFlight(run.page, base + piecesPath)
      const s = (ms: number | undefined) => fmt((ms ?? NaN) / 1000)
      // Where the time went, in s since the link opened: pieces fetched, all verified and stored, the file saved.
      const fromMirror =
        gets.count > 0
          ? `; ${gets.count} GETs of ${gets.pieces} of the ${urls.length} pieces, ${fmt(gets.meanMs, 0)} ms each, in flight mean ${fmt(gets.mean)} / max ${gets.max}, the last done at ${s(gets.lastEndMs)} s`
          : ''
      rows.push({
        source: label,
        'MiB/s': fmt(run.MiBps),
        seconds: fmt(run.seconds, 2),
        'CPU-s/GiB': fmt(run.cpuPerGiB),
        'RSS + MiB': fmt((run.peakRss - run.startRss) / MIB, 0),
        note: `${note}; first piece ${s(run.firstPieceMs)} s, all stored ${s(run.completeMs)} s${fromMirror}`,
      })
      return { ...run, gets }
    }
    const mirror = await swarmdrop('Swarmdrop, mirror alone', link, 'link with &m=, no peer online')
    // The save path alone, its ceiling: the same page saves the file again, every piece already stored.
    const cpuBefore = await probe.cpuSeconds()
    const resaved = await saveAgain(mirror.page, basename(file), sha256, timeoutMs)
    rows.push({
      source: 'Swarmdrop, the save alone',
      'MiB/s': fmt(bytes / MIB / resaved),
      seconds: fmt(resaved, 2),
      'CPU-s/GiB': fmt((((await probe.cpuSeconds()) - cpuBefore) * 1024 * MIB) / bytes),
      'RSS + MiB': '—',
      note: 'the mirror-alone page saves the file again, every piece stored: Save clicked → file saved',
    })
    // (d) The seeder alone: the link without its mirror.
    const peer = await swarmdrop('Swarmdrop, one browser peer alone', bare, 'the link without &m=')
    await peer.page.context().close()
    // (c) Both: the link as exported, with the seeder online.
    const both = await swarmdrop('Swarmdrop, mirror + one browser peer', link, 'the link with &m=, the seeder online')
    const peerRows = await both.page.getByTestId('peer-row').count()
    if (peerRows < 2) rows[rows.length - 1].note += `; only ${peerRows} source(s) listed`
    await both.page.context().close()

    const httpAfter = await plain('plain HTTP, browser (after)', () => browserFetch(plainPage, urls, concurrency), inBrowser)
    const http = (httpBefore + httpAfter) / 2
    const ratio = (name: string, value: number, over: number, target: string, met: boolean | null) =>
      ratios.push({ ratio: name, value: `${fmt(value / over, 2)}×`, target, met: met === null ? '—' : met ? 'yes' : 'NO' })
    ratio('mirror alone ÷ plain HTTP (browser, mean of before and after)', mirror.MiBps, http, '≥ 0.8×', mirror.MiBps >= 0.8 * http)
    ratio('mirror + peer ÷ mirror alone', both.MiBps, mirror.MiBps, '> 1×', both.MiBps > mirror.MiBps)
    ratio('mirror + peer ÷ peer alone', both.MiBps, peer.MiBps, '> 1×', both.MiBps > peer.MiBps)
    ratio('peer alone ÷ mirror alone', peer.MiBps, mirror.MiBps, '(for reference)', null)
    // The mirror alone by stage, each from the link opened: every piece fetched, then verified and stored (then saved).
    const fetched = bytes / MIB / (mirror.gets.lastEndMs / 1000)
    const stored = bytes / MIB / ((mirror.completeMs ?? NaN) / 1000)
    ratio(`mirror alone to the last GET (${fmt(fetched)} MiB/s) ÷ plain HTTP`, fetched, http, '(where the time goes)', null)
    ratio(`mirror alone to all stored (${fmt(stored)} MiB/s) ÷ plain HTTP`, stored, http, '(where the time goes)', null)
    console.log(
      `\nexport: ${urls.length} sealed pieces of ${pieceBytes / 1024} KiB (${fmt(sealedBytes / MIB)} MiB) in ${fmt(exportSeconds)} s (${fmt(bytes / MIB / exportSeconds)} MiB/s)`,
    )
  } catch (err) {
    rows.push({ source: 'benchmark stopped', 'MiB/s': '', seconds: '', 'CPU-s/GiB': '', 'RSS + MiB': '', note: String(err).split('\n')[0] })
    process.exitCode = 1
  } finally {
    for (const context of contexts) await context.close().catch(() => undefined)
    await browser.close()
    await origin.close()
    await server.stop()
    await nginx.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(
    `\nSwarmdrop from a blind mirror (nginx), ${quick ? 'quick' : 'full'} run, ${bytes / MIB} MiB; every baseline from the same run`,
  )
  console.log(`load average at start ${loadAtStart}, at end ${loadAverage()}\n`)
  console.log(table(rows as unknown as Record<string, string>[]))
  if (ratios.length > 0) console.log(`\n${table(ratios)}`)
}
