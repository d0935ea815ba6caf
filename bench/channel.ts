/**
 * The bare data channel with its receiving end on the page's main thread
 * against the same channel transferred to a dedicated worker (issue 15): the
 * same bytes, in the same browser session, alternating main, worker, worker,
 * main so a machine that drifts during the run moves both alike. Throughput
 * and CPU seconds per GiB of every Chromium process; then how much the
 * receiving page's renderer grows (RSS) while the channel alone moves the bytes.
 *
 *   npm run bench -- channel            256 MiB
 *   npm run bench -- channel --quick    32 MiB
 */
import { MIB, launch, table } from './lib.js'
import { BrowserProbe } from './browser-metrics.js'
import { CHANNEL_CANDIDATES, type ChannelOptions, bareChannel, bareChannelMemory } from './baselines.js'
import { startStaticServer } from './static-server.js'
import type { Browser } from '@playwright/test'

const GIB = 1024 * MIB

interface Figures {
  MiBps: number
  cpuPerGiB: number
}

async function measure(browser: Browser, probe: BrowserProbe, origin: string, bytes: number, o: ChannelOptions, inWorker: boolean) {
  const before = await probe.cpuSeconds()
  const run = await bareChannel(browser, origin, bytes, o, inWorker)
  const cpu = (await probe.cpuSeconds()) - before
  await run.close()
  return { MiBps: bytes / MIB / run.seconds, cpuPerGiB: (cpu * GIB) / bytes }
}

const mean = (runs: Figures[]): Figures => ({
  MiBps: runs.reduce((s, r) => s + r.MiBps, 0) / runs.length,
  cpuPerGiB: runs.reduce((s, r) => s + r.cpuPerGiB, 0) / runs.length,
})

export async function channelBench(quick: boolean): Promise<void> {
  const bytes = (quick ? 32 : 256) * MIB
  const origin = await startStaticServer()
  const browser = await launch()
  const rows: Record<string, string>[] = []
  let receiverGrowth = ''
  try {
    const probe = await BrowserProbe.attach(browser)
    for (const o of quick ? CHANNEL_CANDIDATES.slice(1, 2) : CHANNEL_CANDIDATES) {
      const runs: Record<'main' | 'worker', Figures[]> = { main: [], worker: [] }
      for (const inWorker of [false, true, true, false]) {
        runs[inWorker ? 'worker' : 'main'].push(await measure(browser, probe, origin.url, bytes, o, inWorker))
      }
      const [main, worker] = [mean(runs.main), mean(runs.worker)]
      const each = (rs: Figures[]) => rs.map((r) => `${r.MiBps.toFixed(1)}/${r.cpuPerGiB.toFixed(0)}`).join(', ')
      rows.push({
        channel: `${o.messageBytes / 1024} KiB messages, ${o.highWaterBytes / 1024} KiB high water`,
        'main thread MiB/s': main.MiBps.toFixed(1),
        'worker MiB/s': worker.MiBps.toFixed(1),
        'worker ÷ main': `${(worker.MiBps / main.MiBps).toFixed(2)}×`,
        'main CPU-s/GiB': main.cpuPerGiB.toFixed(0),
        'worker CPU-s/GiB': worker.cpuPerGiB.toFixed(0),
        'CPU worker ÷ main': `${(worker.cpuPerGiB / main.cpuPerGiB).toFixed(2)}×`,
        'runs (MiB/s / CPU-s per GiB), main; worker': `${each(runs.main)}; ${each(runs.worker)}`,
      })
    }
    const measured = CHANNEL_CANDIDATES[1]
    const growth = await bareChannelMemory(browser, probe, origin.url, bytes, measured)
    receiverGrowth = `The receiving page's renderer grew ${(growth.rssGrowth / MIB).toFixed(0)} MiB (RSS) while ${measured.messageBytes / 1024} KiB messages moved ${bytes / MIB} MiB at ${(bytes / MIB / growth.seconds).toFixed(1)} MiB/s.`
  } catch (err) {
    rows.push({ channel: 'benchmark stopped', 'main thread MiB/s': String(err).split('\n')[0] })
    process.exitCode = 1
  } finally {
    await browser.close()
    await origin.close()
  }
  console.log(`\nBare data channel, ${bytes / MIB} MiB per run: receiving end on the main thread or in a worker, same session\n`)
  console.log(table(rows))
  if (receiverGrowth) console.log(`\n${receiverGrowth}`)
}
