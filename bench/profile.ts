/**
 * Where a transfer's time goes: one Swarmdrop transfer with a CPU profile of
 * the downloading page's main thread (CDP Profiler, 1 ms sampling) and the
 * CPU seconds of every Chromium process by type, before and after. Prints
 * the functions with the most self time and each process type's share.
 * Not a target: what docs/performance.md's analysis is made from.
 *
 *   npm run bench -- profile            256 MiB
 *   npm run bench -- profile --quick    32 MiB
 *   npm run bench -- profile --big      1 GiB
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer } from '../e2e/server.js'
import { MIB, download, launch, randomFile, sha256File, share, table } from './lib.js'
import { BrowserProbe, instrument, pageTimings } from './browser-metrics.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
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

export async function profileBench(quick: boolean, big = process.argv.includes('--big')): Promise<void> {
  const bytes = (quick ? 32 : big ? 1024 : 256) * MIB
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-profile-'))
  const server = await startTestServer()
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
    const receiver = await receiverContext.newPage()
    const cdp = await receiver.context().newCDPSession(receiver)
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
    const byType = async () => {
      const totals = new Map<string, number>()
      for (const p of await probe.processes()) totals.set(p.type, (totals.get(p.type) ?? 0) + p.cpuTime)
      return totals
    }
    const before = await byType()
    await cdp.send('Profiler.start')
    const seconds = await download(receiver, link, sha256)
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: Profile }
    const after = await byType()
    const { longTasks } = await pageTimings(receiver)

    console.log(`\nProfile of one ${bytes / MIB} MiB transfer: ${(bytes / MIB / seconds).toFixed(1)} MiB/s, ${seconds.toFixed(1)} s\n`)
    const types = [...after.keys()].map((type) => ({ type, 'CPU s': ((after.get(type) ?? 0) - (before.get(type) ?? 0)).toFixed(2) }))
    console.log(table(types))
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
  } finally {
    await browser.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
