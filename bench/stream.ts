/**
 * The streaming benchmark (issue 16): how soon a video plays after its link
 * is opened, and how soon it plays again after a seek to 80 % of it, with
 * the sender's upload capped at 1 and 4 MiB/s and uncapped; Swarmdrop next
 * to WebTorrent streaming the same file in the same run (webtorrent-stream.ts),
 * capped the same way with WebTorrent's own `uploadLimit`; and, as the floor
 * of what the browser's media pipeline takes on this machine, the same file
 * from a plain loopback HTTP server with every byte there. Rounds of the
 * three alternate, so drift on a shared machine hits all alike.
 *
 *   npm run bench -- stream           a 60 s video (about 15 MB), 1, 4 and unlimited MiB/s, 3 rounds each
 *   npm run bench -- stream --quick   a 20 s video (about 5 MB), unlimited only, 3 rounds
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { startTestServer } from '../e2e/server.js'
import { MIB, launch, share, table } from './lib.js'
import { pageTimings } from './browser-metrics.js'
import { startTracker, webTorrentSeeder } from './baselines.js'
import { PLAY_PAGE_PATH, startStaticServer } from './static-server.js'
import { firstFrame, installPlaybackProbe, seekToPlayback } from './playback-probe.js'
import { type StreamPageState, streamPageUrl } from './webtorrent-stream.js'
import { FRAMES_PER_SECOND, type TestVideo, makeTestVideo } from './stream-video.js'

/** Where the seek lands, as a fraction of the video's duration. */
const SEEK_FRACTION = 0.8
/** Rounds per rate, their median the figure: a single round here moves by seconds. */
const ROUNDS = 3
/** Each wait (first frame, a seek) fails after this long. */
const WAIT_MS = 60_000
const TARGET_FIRST_FRAME_MS = 1500
const TARGET_SEEK_MS = 1000

interface Sample {
  firstFrameMs: number
  seekMs: number
  /** Share of the file this page held when it seeked, 0 to 1. */
  heldAtSeek: number
  /** On the way to the first frame, ms since navigation: the page's own marks, then the player's. */
  steps: Record<string, number | undefined>
}

const contextOptions = { permissions: ['camera', 'microphone'], acceptDownloads: true }

/** What differs between the pages that play the video. */
interface Player {
  /** Share of the file the page holds, 0 to 1. */
  held(page: Page): Promise<number>
  /** The page's own marks on the way to the first frame, ms since navigation. */
  marks?(page: Page): Promise<Record<string, number | undefined>>
}

const SWARMDROP: Player = {
  async held(page) {
    const status = page.getByTestId('transfer-status')
    return Number(await status.getAttribute('data-pieces-done')) / Number(await status.getAttribute('data-pieces-total'))
  },
  async marks(page) {
    const { engineReadyMs, firstPeerMs, manifestMs, firstPieceMs } = await pageTimings(page)
    return { 'engine up': engineReadyMs, 'first peer': firstPeerMs, manifest: manifestMs, 'first piece': firstPieceMs }
  },
}
const WEBTORRENT: Player = {
  held: (page) => page.evaluate(() => (window as unknown as { __webTorrent: StreamPageState }).__webTorrent.torrent?.progress ?? 0),
}
const PLAIN_HTTP: Player = { held: async () => 1 }

/** Opens `url` in a fresh context, waits for the first frame, then seeks. */
async function streamOnce(browser: Browser, url: string, player: Player): Promise<Sample> {
  const context = await browser.newContext(contextOptions)
  try {
    await installPlaybackProbe(context)
    const page = await context.newPage()
    page.on('pageerror', (err) => console.error(`[page error] ${err.message}`))
    await page.goto(url)
    const first = await firstFrame(page, WAIT_MS)
    const heldAtSeek = await player.held(page)
    const seekMs = await seekToPlayback(page, SEEK_FRACTION, FRAMES_PER_SECOND, WAIT_MS)
    const marks = (await player.marks?.(page)) ?? {}
    const steps = {
      ...marks,
      'player shown': first.shownMs,
      'video metadata': first.events.loadedmetadata,
      'first frame': first.firstFrameMs,
    }
    return { firstFrameMs: first.firstFrameMs, seekMs, heldAtSeek, steps }
  } finally {
    await context.close()
  }
}

/** A page sharing `file` through the UI, its upload limit set first (null: none). */
async function swarmdropSender(browser: Browser, serverUrl: string, file: string, limitMiBps: number | null) {
  const page = await (await browser.newContext(contextOptions)).newPage()
  await page.goto(serverUrl + '/')
  if (limitMiBps !== null) {
    await page.getByText('Settings').click()
    await page.getByTestId('upload-limit').fill(String(limitMiBps))
  }
  return { page, link: await share(page, file) }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const ms = (values: number[]) =>
  values.length === 1 ? `${values[0].toFixed(0)} ms` : `${median(values).toFixed(0)} ms (${values.map((v) => v.toFixed(0)).join(', ')})`

interface RateResult {
  rate: string
  swarmdrop: Sample[]
  webTorrent: Sample[]
  /** The plain HTTP page: not capped, the same in every row. */
  floor: Sample[]
}

function resultRows({ rate, swarmdrop, webTorrent, floor }: RateResult) {
  const measure = (name: string, pick: (s: Sample) => number, target: number) => {
    const sd = swarmdrop.map(pick)
    const wt = webTorrent.map(pick)
    const ratio = median(sd) / median(wt)
    return {
      upload: rate,
      measure: name,
      Swarmdrop: ms(sd),
      WebTorrent: ms(wt),
      ratio: `${ratio.toFixed(2)}×`,
      'plain HTTP (floor)': ms(floor.map(pick)),
      target: `< ${target} ms, ≤ WebTorrent`,
      met: median(sd) < target && ratio <= 1 ? 'yes' : 'NO',
    }
  }
  return [
    measure('link opened → first frame', (s) => s.firstFrameMs, TARGET_FIRST_FRAME_MS),
    measure(`seek to ${SEEK_FRACTION * 100} % → playing`, (s) => s.seekMs, TARGET_SEEK_MS),
  ]
}

/** Where each one's time to the first frame went (medians, ms since opening the link), and how much it held at the seek. */
function detailRows({ rate, swarmdrop, webTorrent, floor }: RateResult) {
  const steps = [...new Set([...swarmdrop, ...webTorrent, ...floor].flatMap((s) => Object.keys(s.steps)))]
  const row = (name: string, samples: Sample[]) => {
    const step = (step: string) => {
      const values = samples.map((s) => s.steps[step]).filter((v): v is number => v !== undefined)
      return values.length > 0 ? median(values).toFixed(0) : '—'
    }
    const held = `${(median(samples.map((s) => s.heldAtSeek)) * 100).toFixed(0)} %`
    return { upload: rate, page: name, ...Object.fromEntries(steps.map((s) => [s, step(s)])), 'held at seek': held }
  }
  return [row('Swarmdrop', swarmdrop), row('WebTorrent', webTorrent), row('plain HTTP', floor)]
}

export async function streamBench(quick: boolean): Promise<void> {
  const rates: (number | null)[] = quick ? [null] : [1, 4, null]
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-stream-'))
  const results: RateResult[] = []
  const loadBefore = loadavg()[0]
  let stopped: string | null = null
  let video: TestVideo
  try {
    video = makeTestVideo(dir, quick ? 20 : 60)
  } catch (err) {
    console.log(`\nSwarmdrop streaming: no test video: ${err}`)
    process.exitCode = 1
    return rmSync(dir, { recursive: true, force: true })
  }
  const server = await startTestServer()
  const origin = await startStaticServer(video.path)
  const tracker = await startTracker()
  const browser = await launch()
  try {
    for (const limit of rates) {
      const result: RateResult = { rate: limit === null ? 'unlimited' : `${limit} MiB/s`, swarmdrop: [], webTorrent: [], floor: [] }
      const sender = await swarmdropSender(browser, server.url, video.path, limit)
      const seeder = await webTorrentSeeder(browser, origin.url, tracker.url, video.path, limit === null ? -1 : limit * MIB)
      try {
        for (let i = 0; i < ROUNDS; i++) {
          result.swarmdrop.push(await streamOnce(browser, sender.link, SWARMDROP))
          result.webTorrent.push(await streamOnce(browser, streamPageUrl(origin.url, seeder.magnet, tracker.url), WEBTORRENT))
          result.floor.push(await streamOnce(browser, origin.url + PLAY_PAGE_PATH, PLAIN_HTTP))
        }
      } finally {
        await sender.page.context().close()
        await seeder.page.context().close()
      }
      results.push(result)
    }
  } catch (err) {
    stopped = String(err).split('\n')[0]
    process.exitCode = 1
  } finally {
    await browser.close()
    await tracker.close()
    await origin.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  const about = `a ${video.seconds} s VP8/Opus WebM of ${(video.bytes / MIB).toFixed(1)} MiB`
  const load = `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`
  console.log(`\nSwarmdrop streaming, ${quick ? 'quick' : 'full'} run: ${about}, ${ROUNDS} rounds per rate, ${load}`)
  console.log('medians (every round); ratio = Swarmdrop ÷ WebTorrent, lower is better; WebTorrent capped with its uploadLimit option\n')
  if (results.length > 0) {
    console.log(table(results.flatMap(resultRows)))
    console.log('\nOn the way to the first frame (medians, ms since opening the link), and the share of the file held at the seek\n')
    console.log(table(results.flatMap(detailRows)))
  }
  if (stopped) console.log(`\nbenchmark stopped: ${stopped}`)
}
