/**
 * Where a transfer's time goes: one Swarmdrop transfer with a CPU profile of
 * the downloading page's main thread (CDP Profiler, 1 ms sampling) and the
 * CPU seconds of every Chromium process by type, before and after. Prints
 * the functions with the most self time and each process type's share;
 * then the page's long tasks over half a minute of the transfer, by wall time and
 * by their thread's CPU time (task-trace.ts), and what posted those that
 * really ran long; then the bare data channel moves as many bytes in the same
 * session, so each process type's CPU shows next to what the channel alone
 * costs there. Not a target: what docs/performance.md's analysis is made
 * from. For readable names, build without minifying first
 * (`npx vite build --minify false && npx tsx bench/run.ts profile`).
 *
 *   npm run bench -- profile            256 MiB
 *   npm run bench -- profile --quick    32 MiB
 *   npm run bench -- profile --big      1 GiB
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer } from '../e2e/server.js'
import type { Page } from '@playwright/test'
import { MIB, download, launch, randomFile, sha256File, share, table } from './lib.js'
import { BrowserProbe, instrument, pageTimings } from './browser-metrics.js'
import { taskTimes, traceWindow } from './task-trace.js'
import { CHANNEL_CANDIDATES, bareChannel } from './baselines.js'
import { startStaticServer } from './static-server.js'

/** The task trace covers this much of the transfer (its size grows with time, not with the file), from this far in. */
const TRACE_WINDOW_MS = 30_000
const TRACE_AFTER_MS = 20_000

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

type CpuByType = Map<string, number>

/** CPU-seconds per GiB by process type, Swarmdrop's next to the bare channel's. */
function cpuTable(swarmdrop: [CpuByType, CpuByType], bare: [CpuByType, CpuByType], bytes: number) {
  const perGiB = ([before, after]: [CpuByType, CpuByType], type: string) =>
    (((after.get(type) ?? 0) - (before.get(type) ?? 0)) * 1024 * MIB) / bytes
  const types = [...new Set([...swarmdrop[1].keys(), ...bare[1].keys()])]
  const rows = types.map((type) => ({ type, sd: perGiB(swarmdrop, type), bare: perGiB(bare, type) }))
  const sum = (key: 'sd' | 'bare') => rows.reduce((total, r) => total + r[key], 0)
  rows.push({ type: 'all', sd: sum('sd'), bare: sum('bare') })
  return table(
    rows.map((r) => ({
      type: r.type,
      'Swarmdrop CPU-s/GiB': r.sd.toFixed(1),
      'bare channel CPU-s/GiB': r.bare.toFixed(1),
      'Swarmdrop − bare': (r.sd - r.bare).toFixed(1),
    })),
  )
}

/** Self time per function (name and where), in seconds, most first. */
function selfTimes(profile: Profile): { what: string; seconds: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame
    const file = frame.url.split('/').pop() || ''
    const what = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`
    totals.set(what, (totals.get(what) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1e6)
  })
  return [...totals].map(([what, seconds]) => ({ what, seconds })).sort((a, b) => b.seconds - a.seconds)
}

/** Every 30 s while the download runs: its progress and the long tasks so far (they may start late, or not grow with it). */
function progressTimeline(page: Page) {
  const started = Date.now()
  const timer = setInterval(async () => {
    const seen = await page
      .evaluate(() => ({
        progress: document.querySelector('[data-testid="progress-text"]')?.textContent ?? '',
        long: (window as unknown as { __longTasks?: number[] }).__longTasks ?? [],
      }))
      .catch(() => undefined)
    if (!seen) return
    const at = ((Date.now() - started) / 1000).toFixed(0)
    console.log(`${at} s: ${seen.progress}; ${seen.long.length} tasks over 50 ms, the longest ${Math.max(0, ...seen.long).toFixed(0)} ms`)
  }, 30_000)
  return () => clearInterval(timer)
}

export async function profileBench(quick: boolean, big = process.argv.includes('--big')): Promise<void> {
  const bytes = (quick ? 32 : big ? 1024 : 256) * MIB
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-profile-'))
  const server = await startTestServer()
  const origin = await startStaticServer()
  const browser = await launch()
  try {
    const probe = await BrowserProbe.attach(browser)
    const file = randomFile(join(dir, 'profiled.bin'), bytes)
    const sha256 = await sha256File(file)
    const sender = await (await browser.newContext({ permissions: ['camera', 'microphone'] })).newPage()
    await sender.goto(server.url + '/')
    const link = await share(sender, file)
    const receiverContext = await browser.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true })
    await instrument(receiverContext)
    const otherRenderers = await probe.rendererPids()
    const receiver = await receiverContext.newPage()
    const cdp = await receiver.context().newCDPSession(receiver)
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
    const before = await probe.cpuSecondsByType()
    await cdp.send('Profiler.start')
    const stopTimeline = progressTimeline(receiver)
    const downloading = download(receiver, link, sha256, 3_600_000)
    const trace = traceWindow(browser, receiver, downloading, TRACE_AFTER_MS, TRACE_WINDOW_MS)
    const seconds = await downloading
    stopTimeline()
    const pagePids = new Set([...(await probe.rendererPids())].filter((pid) => !otherRenderers.has(pid)))
    const tasks = await trace.then((t) => t && taskTimes(t, pagePids))
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: Profile }
    const after = await probe.cpuSecondsByType()
    const { longTasks } = await pageTimings(receiver)
    await receiverContext.close()
    await sender.context().close()

    const bareBefore = await probe.cpuSecondsByType()
    const bare = await bareChannel(browser, origin.url, bytes, CHANNEL_CANDIDATES[1])
    const bareAfter = await probe.cpuSecondsByType()
    await bare.close()

    console.log(
      `\nProfile of one ${bytes / MIB} MiB transfer: ${(bytes / MIB / seconds).toFixed(1)} MiB/s, ${seconds.toFixed(1)} s; ` +
        `the bare channel in the same session ${(bytes / MIB / bare.seconds).toFixed(1)} MiB/s. CPU by process type ` +
        `(Swarmdrop's includes the profiler's own tracing):\n`,
    )
    console.log(cpuTable([before, after], [bareBefore, bareAfter], bytes))
    const top = selfTimes(profile)
    const sampled = top.reduce((sum, t) => sum + t.seconds, 0)
    const longest = Math.max(0, ...longTasks)
    console.log(
      `\nDownloading page's main thread: ${longTasks.length} tasks over 50 ms, the longest ${longest.toFixed(0)} ms; self time (${sampled.toFixed(2)} s sampled):\n`,
    )
    console.log(
      table(
        top
          .slice(0, 25)
          .map((t) => ({ function: t.what.slice(0, 90), s: t.seconds.toFixed(3), '%': ((100 * t.seconds) / sampled).toFixed(1) })),
      ),
    )
    if (!tasks) return console.log('\nThe transfer ended before the task trace began.')
    console.log(
      `\nThe page's tasks over ${tasks.seconds.toFixed(0)} s of the transfer, from ${TRACE_AFTER_MS / 1000} s in (trace): ${tasks.tasks} tasks, ` +
        `${tasks.overWall} over 50 ms wall time (the longest ${tasks.longestWallMs.toFixed(0)} ms), ` +
        `${tasks.overThread} over 50 ms of their thread's CPU time (the longest ${tasks.longestThreadMs.toFixed(0)} ms); those, by where Chromium posted them:\n`,
    )
    if (tasks.longByOrigin.length > 0) {
      console.log(
        table(
          tasks.longByOrigin.map((o) => ({ 'posted by': o.origin, tasks: o.tasks, 'longest, thread ms': o.longestThreadMs.toFixed(0) })),
        ),
      )
    }
  } finally {
    await browser.close()
    await server.stop()
    await origin.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
