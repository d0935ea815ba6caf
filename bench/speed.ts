/**
 * The speed benchmark (issue 5): Swarmdrop's transfer, ingest, many-seeder
 * and memory figures, each next to its baseline from the same browser
 * session, and whether each target is met.
 *
 *   npm run bench -- speed            256 MiB and 1 GiB
 *   npm run bench -- speed --quick    16 and 32 MiB, about a minute
 *   npm run bench -- speed --big      adds a 4 GiB transfer
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { chromiumLaunchOptions } from '../e2e/chromium.js'
import { startTestServer, type TestServer } from '../e2e/server.js'
import { MIB, download, launch, markTime, randomFile, sha256File, share, table } from './lib.js'
import { BrowserProbe, instrument, pageTimings, sampleMemory } from './browser-metrics.js'
import { CHANNEL_CANDIDATES, type ChannelOptions, bareChannel, bareOpfsWrite, startTracker, webTorrent } from './baselines.js'
import { startStaticServer } from './static-server.js'

const GIB = 1024 * MIB

interface Row {
  measure: string
  swarmdrop: string
  baseline: string
  ratio: string
  target: string
  met: string
}

const rows: Row[] = []
const fmt = (n: number, digits = 1) => n.toFixed(digits)

function record(
  measure: string,
  value: number,
  unit: string,
  baseline: { value: number; label: string } | null,
  target: { text: string; met: boolean },
) {
  rows.push({
    measure,
    swarmdrop: `${fmt(value)} ${unit}`,
    baseline: baseline ? `${fmt(baseline.value)} ${unit} (${baseline.label})` : '—',
    ratio: baseline ? `${fmt(value / baseline.value, 2)}×` : '—',
    target: target.text,
    met: target.met ? 'yes' : 'NO',
  })
}

/** Shares `file` from a fresh context; returns the link and the ingest rate (drop → link ready). */
export async function swarmdropShare(browser: Browser, server: TestServer, file: string, bytes: number) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true })
  const page = await context.newPage()
  await page.goto(server.url + '/')
  const link = await share(page, file)
  // The app's own marks around ingest: read, seal, hash, store and manifest, without the UI around them.
  const ms = (await markTime(page, 'swarmdrop:ingest-end'))! - (await markTime(page, 'swarmdrop:ingest-start'))!
  return { page, link, ingestMiBps: bytes / MIB / (ms / 1000) }
}

/**
 * Downloads `link` in a fresh, instrumented context (`prepare` may add to it
 * before the page opens); returns rate, CPU, memory and responsiveness.
 */
export async function swarmdropDownload(
  browser: Browser,
  probe: BrowserProbe,
  link: string,
  bytes: number,
  sha256: string,
  { prepare, timeoutMs }: { prepare?: (context: BrowserContext) => Promise<void>; timeoutMs?: number } = {},
) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true })
  await instrument(context)
  await prepare?.(context)
  const before = await probe.rendererPids()
  const page = await context.newPage()
  const memory = sampleMemory(page, probe, before)
  const cpuBefore = await probe.cpuSeconds()
  const seconds = await download(page, link, sha256, timeoutMs)
  const cpu = (await probe.cpuSeconds()) - cpuBefore
  const mem = await memory.stop()
  const timings = await pageTimings(page)
  return { page, seconds, MiBps: bytes / MIB / seconds, cpuPerGiB: (cpu * GIB) / bytes, ...mem, ...timings }
}

async function bestChannel(browser: Browser, origin: string): Promise<ChannelOptions> {
  let best = CHANNEL_CANDIDATES[0]
  let bestRate = 0
  for (const c of CHANNEL_CANDIDATES) {
    const run = await bareChannel(browser, origin, 64 * MIB, c)
    await run.close()
    const rate = 64 / run.seconds
    if (rate > bestRate) [best, bestRate] = [c, rate]
  }
  console.log(`bare channel calibration: best ${best.messageBytes / 1024} KiB messages, high water ${best.highWaterBytes / 1024} KiB`)
  return best
}

async function transferRound(
  browser: Browser,
  probe: BrowserProbe,
  server: TestServer,
  origin: string,
  tracker: string,
  dir: string,
  bytes: number,
  channel: ChannelOptions,
) {
  const label = bytes >= GIB ? `${bytes / GIB} GiB` : `${bytes / MIB} MiB`
  const file = randomFile(join(dir, `payload-${label.replace(' ', '')}.bin`), bytes)

  const shared = await swarmdropShare(browser, server, file, bytes)
  const sd = await swarmdropDownload(browser, probe, shared.link, bytes, await sha256File(file))
  await sd.page.context().close()
  await shared.page.context().close()

  let cpuBefore = await probe.cpuSeconds()
  const bare = await bareChannel(browser, origin, bytes, channel)
  const bareCpu = (((await probe.cpuSeconds()) - cpuBefore) * GIB) / bytes
  await bare.close()

  cpuBefore = await probe.cpuSeconds()
  const wt = await webTorrent(browser, origin, tracker, file)
  const wtCpu = (((await probe.cpuSeconds()) - cpuBefore) * GIB) / bytes
  await wt.close()
  const bareMiBps = bytes / MIB / bare.seconds
  const wtMiBps = bytes / MIB / wt.seconds

  record(
    `transfer ${label}`,
    sd.MiBps,
    'MiB/s',
    { value: bareMiBps, label: 'bare channel' },
    { text: '≥ 0.9× bare', met: sd.MiBps >= 0.9 * bareMiBps },
  )
  record(
    `transfer ${label}`,
    sd.MiBps,
    'MiB/s',
    { value: wtMiBps, label: 'WebTorrent' },
    { text: '≥ 1.5× WebTorrent', met: sd.MiBps >= 1.5 * wtMiBps },
  )
  record(
    `CPU-s/GiB ${label}`,
    sd.cpuPerGiB,
    's',
    { value: wtCpu, label: 'WebTorrent' },
    { text: '≤ 0.6× WebTorrent', met: sd.cpuPerGiB <= 0.6 * wtCpu },
  )
  record(`CPU-s/GiB ${label}`, sd.cpuPerGiB, 's', { value: bareCpu, label: 'bare channel' }, { text: '(for reference)', met: true })
  const ms = (t: number | undefined) => (t === undefined ? '?' : t.toFixed(0))
  record(`first verified piece ${label}`, sd.firstPieceMs ?? NaN, 'ms', null, {
    text: `< 1500 ms (engine up ${ms(sd.engineReadyMs)}, first peer ${ms(sd.firstPeerMs)}, manifest ${ms(sd.manifestMs)})`,
    met: (sd.firstPieceMs ?? Infinity) < 1500,
  })
  const saveMs = sd.seconds * 1000 - (sd.completeMs ?? NaN) // the saved download was whole `seconds` after navigation
  record(`last piece → file saved ${label}`, saveMs, 'ms', null, { text: '< 1000 ms', met: saveMs < 1000 })
  const longest = Math.max(0, ...sd.longTasks)
  record(`longest main-thread task ${label}`, longest, 'ms', null, {
    text: `≤ 200 ms (${sd.longTasks.length} over 50 ms)`,
    met: longest <= 200,
  })
  const rssGrowth = (sd.peakRss - sd.startRss) / MIB
  record(`downloader RSS growth ${label}`, rssGrowth, 'MiB', null, { text: '≤ 244 MiB (256 MB)', met: rssGrowth <= 244 })
  record(`downloader peak JS heap ${label}`, sd.peakHeap / MIB, 'MiB', null, { text: '(for reference)', met: true })
  return { file, ingestMiBps: shared.ingestMiBps, machineMiBps: Math.min(bareMiBps, sd.MiBps) }
}

/**
 * --big: 4 GiB from one browser to another. Each side gets a persistent profile:
 * off-the-record contexts keep IndexedDB in memory, with a quota far below 4 GiB.
 * Only completion, the saved file's hash and memory are checked; WebTorrent keeps
 * a browser download in memory and would not survive it.
 */
async function bigRound(server: TestServer, dir: string, bytes: number) {
  const label = `${bytes / GIB} GiB`
  const file = randomFile(join(dir, 'big.bin'), bytes)
  const sha256 = await sha256File(file)
  const profile = (name: string) =>
    chromium.launchPersistentContext(join(dir, name), {
      ...chromiumLaunchOptions(),
      permissions: ['camera', 'microphone'],
      acceptDownloads: true,
    })
  const senderContext = await profile('sender')
  const receiverContext = await profile('receiver')
  try {
    const sender = await senderContext.newPage()
    await sender.goto(server.url + '/')
    const link = await share(sender, file)
    const receiver = await receiverContext.newPage()
    const memory = sampleMemory(receiver, null, new Set()) // a persistent context exposes no browser-level CDP

    // 4 GiB at this machine's 4–6 MiB/s takes 12–17 min: an hour before giving up.
    const seconds = await download(receiver, link, sha256, 3_600_000)
    const mem = await memory.stop()
    record(`transfer ${label} (persistent profiles)`, bytes / MIB / seconds, 'MiB/s', null, { text: 'completes, hash verified', met: true })
    record(`receiving page peak JS heap ${label}`, mem.peakHeap / MIB, 'MiB', null, { text: '(for reference)', met: true })
  } finally {
    await senderContext.close()
    await receiverContext.close()
    rmSync(file, { force: true })
  }
}

/**
 * Three seeders, each capped, to one downloader. The cap keeps the three
 * together at most at three quarters of what this machine moves in the same
 * run, the slower of the bare channel and Swarmdrop's own uncapped transfer
 * (a downloader that is CPU-bound at 5 MiB/s cannot show 3 × 2.5): a quarter
 * of that, in 0.5 MiB/s steps, 0.5 to 8. The figure is then the swarm's,
 * not the machine's limit.
 */
async function manySeeders(browser: Browser, server: TestServer, dir: string, bytes: number, machineMiBps: number) {
  const capMiBps = Math.min(8, Math.max(0.5, Math.floor((machineMiBps / 4) * 2) / 2))
  const file = randomFile(join(dir, 'seeded.bin'), bytes)
  const first = await swarmdropShare(browser, server, file, bytes)
  const seeders: Page[] = [first.page]
  for (let i = 0; i < 2; i++) {
    const context = await browser.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true })
    const page = await context.newPage()
    await download(page, first.link)
    seeders.push(page)
  }
  // Every seeder on its home page (which keeps seeding its library) with the same upload cap.
  for (const page of seeders) {
    await page.goto(new URL(first.link).origin + '/')
    await page.getByText('Settings').click()
    await page.getByTestId('upload-limit').fill(String(capMiBps))
    await page.getByTestId('library-item').first().waitFor()
  }
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true })
  const page = await context.newPage()
  await download(page, first.link)
  // The steady rate, from the first verified piece to the last: connection set-up is not the seeders' upload.
  const { firstPieceMs, completeMs } = await pageTimings(page)
  const rate = bytes / MIB / ((completeMs! - firstPieceMs!) / 1000)
  record(
    '3 capped seeders → 1 downloader',
    rate,
    'MiB/s',
    { value: capMiBps, label: `one seeder’s cap (of ${fmt(machineMiBps)} MiB/s this run moves)` },
    { text: '≥ 2.7× cap', met: rate >= 2.7 * capMiBps },
  )
  const kinds = await page.getByTestId('peer-row').count()
  if (kinds < 3) console.log(`note: the downloader connected to ${kinds} seeders`)
  await context.close()
  for (const s of seeders) await s.context().close()
}

export async function speedBench(quick: boolean, big = process.argv.includes('--big')): Promise<void> {
  const sizes = quick ? [16 * MIB, 32 * MIB] : [256 * MIB, GIB]
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-speed-'))
  const server = await startTestServer()
  const origin = await startStaticServer()
  const tracker = await startTracker()
  const browser = await launch()
  const probe = await BrowserProbe.attach(browser)
  try {
    const channel = await bestChannel(browser, origin.url)
    let ingest = { bytes: 0, MiBps: 0 }
    let slowest = Infinity
    for (const bytes of sizes) {
      const round = await transferRound(browser, probe, server, origin.url, tracker.url, dir, bytes, channel)
      if (bytes <= GIB) ingest = { bytes, MiBps: round.ingestMiBps }
      slowest = Math.min(slowest, round.machineMiBps)
      rmSync(round.file, { force: true })
    }
    // The app stores pieces in OPFS here (web/browser/opfs-store.ts): the bare write is the same bytes to OPFS from a worker.
    const opfsSeconds = await bareOpfsWrite(browser, origin.url, ingest.bytes, 256 * 1024)
    const opfsMiBps = ingest.bytes / MIB / opfsSeconds
    record(
      `ingest ${ingest.bytes / MIB} MiB`,
      ingest.MiBps,
      'MiB/s',
      { value: opfsMiBps, label: 'bare OPFS write' },
      { text: '≥ 0.5× bare write', met: ingest.MiBps >= 0.5 * opfsMiBps },
    )
    await manySeeders(browser, server, dir, (quick ? 32 : 128) * MIB, slowest)
    if (big) await bigRound(server, dir, 4 * GIB)
  } catch (err) {
    rows.push({ measure: 'benchmark stopped', swarmdrop: String(err).split('\n')[0], baseline: '', ratio: '', target: '', met: 'NO' })
    process.exitCode = 1
  } finally {
    await browser.close()
    await tracker.close()
    await origin.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`\nSwarmdrop speed, ${quick ? 'quick' : 'full'} run; every baseline from the same browser session\n`)
  console.log(table(rows as unknown as Record<string, string>[]))
}
