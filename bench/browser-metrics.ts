/** What a benchmark measures of the browser: CPU of all its processes, a page's renderer memory, long tasks. */
import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, CDPSession, Page } from '@playwright/test'

interface ProcessInfo {
  type: string
  id: number
  cpuTime: number
}

export class BrowserProbe {
  private constructor(private readonly cdp: CDPSession) {}

  static async attach(browser: Browser): Promise<BrowserProbe> {
    return new BrowserProbe(await browser.newBrowserCDPSession())
  }

  async processes(): Promise<ProcessInfo[]> {
    const { processInfo } = (await this.cdp.send('SystemInfo.getProcessInfo')) as { processInfo: ProcessInfo[] }
    return processInfo
  }

  /** CPU seconds used by every Chromium process so far (processes that exited are not counted: measure before closing). */
  async cpuSeconds(): Promise<number> {
    return (await this.processes()).reduce((sum, p) => sum + p.cpuTime, 0)
  }

  /** The same, summed by process type (browser, renderer, GPU, network service, …). */
  async cpuSecondsByType(): Promise<Map<string, number>> {
    const totals = new Map<string, number>()
    for (const p of await this.processes()) totals.set(p.type, (totals.get(p.type) ?? 0) + p.cpuTime)
    return totals
  }

  async rendererPids(): Promise<Set<number>> {
    return new Set((await this.processes()).filter((p) => p.type === 'renderer').map((p) => p.id))
  }
}

export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** Records main-thread long tasks (> 50 ms) in every page of the context. */
export async function instrument(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] }
    w.__longTasks = []
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration)
      }).observe({ entryTypes: ['longtask'] })
    } catch (err) {
      console.error('long task observer unavailable', err)
    }
  })
  context.on('console', (m) => m.type() === 'error' && console.error(`[page] ${m.text()}`))
}

/** Long tasks seen, and the app's own marks: first verified piece and completion, ms since navigation. */
export async function pageTimings(page: Page) {
  // No helper functions inside: tsx would wrap them in a __name() call the page does not have.
  return page.evaluate(() => ({
    longTasks: (window as unknown as { __longTasks?: number[] }).__longTasks ?? [],
    firstPieceMs: performance.getEntriesByName('swarmdrop:first-piece')[0]?.startTime,
    // On the way to the first piece (ms since navigation): the engine up, a peer connected, the manifest verified.
    engineReadyMs: performance.getEntriesByName('swarmdrop:engine-ready')[0]?.startTime,
    firstPeerMs: performance.getEntriesByName('swarmdrop:first-peer')[0]?.startTime,
    manifestMs: performance.getEntriesByName('swarmdrop:manifest')[0]?.startTime,
    completeMs: performance.getEntriesByName('swarmdrop:complete')[0]?.startTime,
  }))
}

/**
 * Samples a page's JS heap and the RSS of the renderers that appeared after
 * `before` (the page's own; site isolation gives it a process on navigation)
 * until stopped; returns peaks and the first sample.
 */
export function sampleMemory(page: Page, probe: BrowserProbe | null, before: Set<number>, everyMs = 500) {
  const samples: { heap: number; rss: number }[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const heap = await page
        .evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0)
        .catch(() => 0)
      const fresh = probe ? [...(await probe.rendererPids())].filter((pid) => !before.has(pid)) : []
      samples.push({ heap, rss: fresh.length > 0 ? Math.max(...fresh.map(rssBytes)) : 0 })
      await new Promise((r) => setTimeout(r, everyMs))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return {
        startRss: samples.find((s) => s.rss > 0)?.rss ?? 0,
        peakRss: Math.max(0, ...samples.map((s) => s.rss)),
        peakHeap: Math.max(0, ...samples.map((s) => s.heap)),
      }
    },
  }
}
