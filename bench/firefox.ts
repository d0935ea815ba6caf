/**
 * The Firefox rows of the benchmark (issue 15): the transfer of bench/speed.ts
 * (one page shares a random file through the UI, another opens the link; timed
 * from opening the link to the saved file, whose SHA-256 is checked) Firefox →
 * Firefox, Chromium → Firefox and Firefox → Chromium, each next to the bare
 * RTCDataChannel between the same two browsers in the same run, so that a
 * regression in one engine shows. Firefox is Debian's firefox-esr driven by
 * puppeteer-core (e2e/firefox.ts); its WebRTC needs the veth namespace, which
 * bench/run.ts gives this benchmark.
 *
 *   npm run bench -- firefox            64 and 256 MiB
 *   npm run bench -- firefox --quick    16 MiB
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from '@playwright/test'
import { chromiumPage } from '../e2e/chromium.js'
import { type EnginePage, shareFile } from '../e2e/engine-page.js'
import type { TestFile } from '../e2e/fixtures.js'
import { launchFirefox } from '../e2e/firefox.js'
import { startTestServer, type TestServer } from '../e2e/server.js'
import { CHANNEL_CANDIDATES, type ChannelOptions, type PageScript, bareChannelBetween } from './baselines.js'
import { MIB, launch, randomFile, sha256File, table } from './lib.js'
import { startStaticServer } from './static-server.js'

type Engine = 'Firefox' | 'Chromium'

/** Sender → receiver; Chromium → Chromium is bench/speed.ts's. */
const PAIRS: [Engine, Engine][] = [
  ['Firefox', 'Firefox'],
  ['Chromium', 'Firefox'],
  ['Firefox', 'Chromium'],
]

/** Each bare-channel candidate is tried with this much, once per pair, before the measured run. */
const CALIBRATION_BYTES = 8 * MIB
const CALIBRATION_TIMEOUT_MS = 120_000
const TRANSFER_TIMEOUT_MS = 900_000

/** One browser: a page for Swarmdrop's user path, then a blank page in the same browser for the bare channel. */
interface Peer {
  page: EnginePage
  /** Closes the Swarmdrop page (it would go on seeding) and opens `url` in a fresh tab. */
  blank(url: string): Promise<PageScript>
  close(): Promise<void>
}

/** A Firefox of its own (own profile, so its IndexedDB is its own), or a fresh Chromium context. */
async function openPeer(engine: Engine, chromium: Browser, dir: string): Promise<Peer> {
  if (engine === 'Firefox') {
    const own = mkdtempSync(join(dir, 'firefox-'))
    const firefox = await launchFirefox({ dir: own, webRtc: true })
    const close = async () => {
      await firefox.close()
      rmSync(own, { recursive: true, force: true }) // its profile and download: up to twice the file
    }
    // A fresh tab rather than a navigation: navigating the receiving page away (it has saved a
    // download through the service worker's frame, and seeds behind a leave warning) timed out
    // waiting for `load` in Firefox.
    const blank = async (url: string): Promise<PageScript> => {
      const tab = await firefox.page.browser().newPage()
      await firefox.page.close({ runBeforeUnload: false })
      await tab.goto(url, { waitUntil: 'load' })
      // puppeteer types the argument through its handles; a plain JSON argument arrives as it is.
      return { evaluate: (fn, arg) => tab.evaluate(fn as never, arg) }
    }
    return { page: firefox, blank, close }
  }
  // Media permission: without it Chromium offers no host candidate the other side can use.
  const context = await chromium.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true })
  const page = await context.newPage()
  const blank = async (url: string) => {
    const tab = await context.newPage()
    await page.close()
    await tab.goto(url)
    return tab
  }
  return { page: chromiumPage(page), blank, close: () => context.close() }
}

/** Opens the link; returns seconds from opening it to the file saved, after checking the saved bytes' SHA-256. */
async function receive(peer: Peer, link: string, file: TestFile): Promise<number> {
  const started = Date.now()
  await peer.page.goto(link)
  const saved = await peer.page.download(file.name, file.size, TRANSFER_TIMEOUT_MS)
  const seconds = (Date.now() - started) / 1000
  const sha256 = await sha256File(saved)
  if (sha256 !== file.sha256) throw new Error(`${peer.page.label} saved ${file.name} with other bytes (sha256 ${sha256})`)
  return seconds
}

/** The fastest candidate between these two pages, as bench/speed.ts calibrates Chromium's. */
async function calibrate(sender: PageScript, receiver: PageScript, pair: string): Promise<ChannelOptions> {
  let best: ChannelOptions | undefined
  let bestSeconds = Infinity
  for (const c of CHANNEL_CANDIDATES) {
    try {
      const seconds = await bareChannelBetween(sender, receiver, CALIBRATION_BYTES, c, CALIBRATION_TIMEOUT_MS)
      if (seconds < bestSeconds) [best, bestSeconds] = [c, seconds]
    } catch (err) {
      console.log(`bare channel ${pair}: ${c.messageBytes / 1024} KiB messages failed (${String(err).split('\n')[0]})`)
    }
  }
  if (!best) throw new Error(`bare channel ${pair}: every candidate failed`)
  console.log(`bare channel ${pair}: best ${best.messageBytes / 1024} KiB messages, high water ${best.highWaterBytes / 1024} KiB`)
  return best
}

interface Row {
  transfer: string
  swarmdrop: string
  'bare channel': string
  ratio: string
}

const rows: Row[] = []

/** One pair at one size: Swarmdrop, then the bare channel between the same two browsers. */
async function round(
  [from, to]: [Engine, Engine],
  file: TestFile,
  setting: { chromium: Browser; server: TestServer; origin: string; dir: string; channels: Map<string, ChannelOptions> },
) {
  const pair = `${from} → ${to}`
  const peers: Peer[] = []
  try {
    const sender = await openPeer(from, setting.chromium, setting.dir)
    peers.push(sender)
    const receiver = await openPeer(to, setting.chromium, setting.dir)
    peers.push(receiver)
    const link = await shareFile(sender.page, setting.server.url, file)
    const seconds = await receive(receiver, link, file)

    const blank = `${setting.origin}/blank`
    const [senderBlank, receiverBlank] = [await sender.blank(blank), await receiver.blank(blank)]
    const channel = setting.channels.get(pair) ?? (await calibrate(senderBlank, receiverBlank, pair))
    setting.channels.set(pair, channel)
    const bareSeconds = await bareChannelBetween(senderBlank, receiverBlank, file.size, channel, TRANSFER_TIMEOUT_MS)

    const mib = file.size / MIB
    const [rate, bareRate] = [mib / seconds, mib / bareSeconds]
    rows.push({
      transfer: `${pair} ${mib} MiB`,
      swarmdrop: `${rate.toFixed(1)} MiB/s`,
      'bare channel': `${bareRate.toFixed(1)} MiB/s (${pair})`,
      ratio: `${(rate / bareRate).toFixed(2)}×`,
    })
  } finally {
    for (const peer of peers) await peer.close()
  }
}

const formatLoad = (load: number[]) => load.map((l) => l.toFixed(2)).join(', ')

export async function firefoxBench(quick: boolean): Promise<void> {
  const sizes = quick ? [16 * MIB] : [64 * MIB, 256 * MIB]
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-firefox-bench-'))
  const load = loadavg()
  const server = await startTestServer()
  const origin = await startStaticServer()
  const chromium = await launch()
  const channels = new Map<string, ChannelOptions>()
  try {
    for (const bytes of sizes) {
      const name = `payload-${bytes / MIB}MiB.bin`
      const path = randomFile(join(dir, name), bytes)
      const file: TestFile = { name, path, size: bytes, sha256: await sha256File(path) }
      for (const pair of PAIRS) await round(pair, file, { chromium, server, origin: origin.url, dir, channels })
      rmSync(path, { force: true })
    }
  } catch (err) {
    rows.push({ transfer: 'benchmark stopped', swarmdrop: String(err).split('\n')[0], 'bare channel': '', ratio: '' })
    process.exitCode = 1
  } finally {
    await chromium.close()
    await origin.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  const loads = `load average ${formatLoad(load)} at the start, ${formatLoad(loadavg())} at the end`
  console.log(`\nSwarmdrop in Firefox, ${quick ? 'quick' : 'full'} run, ${new Date().toISOString()}; ${loads}`)
  console.log('Each ratio is to the bare data channel between the same two browsers, measured in the same run\n')
  console.log(table(rows as unknown as Record<string, string>[]))
}
