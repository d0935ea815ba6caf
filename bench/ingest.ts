/**
 * The ingest benchmark (issue 15): the app's ingest of one file (read, seal,
 * hash, store, manifest; between the marks `swarmdrop:ingest-start/-end`)
 * next to a bare IndexedDB write of the same bytes (the mean of one before
 * and one after it), in the same browser session, and their ratio.
 *
 *   npm run bench -- ingest            256 MiB and 1 GiB
 *   npm run bench -- ingest --quick    64 MiB
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from '@playwright/test'
import { startTestServer, type TestServer } from '../e2e/server.js'
import { MIB, launch, markTime, randomFile, share, table } from './lib.js'
import { bareIndexedDbWrite } from './baselines.js'
import { startStaticServer } from './static-server.js'

/** The target: ingest at least this fraction of the bare write's rate. */
const TARGET_RATIO = 0.5

/** Shares `file` through the UI of a fresh context; returns the ingest's MiB/s from the app's own marks. */
async function ingestRate(browser: Browser, server: TestServer, file: string, bytes: number): Promise<number> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(server.url + '/')
    await share(page, file)
    const ms = (await markTime(page, 'swarmdrop:ingest-end'))! - (await markTime(page, 'swarmdrop:ingest-start'))!
    return bytes / MIB / (ms / 1000)
  } finally {
    await context.close()
  }
}

export async function ingestBench(quick: boolean): Promise<void> {
  const sizes = quick ? [64 * MIB] : [256 * MIB, 1024 * MIB]
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-ingest-'))
  const server = await startTestServer()
  const origin = await startStaticServer()
  const browser = await launch()
  const rows: Record<string, string>[] = []
  try {
    for (const bytes of sizes) {
      const file = randomFile(join(dir, `payload-${bytes / MIB}MiB.bin`), bytes)
      // The same bytes as 256 KiB values, 16 per transaction: what the store takes when nothing else runs.
      // Written once before and once after the ingest, so a machine that drifts during the run moves both alike.
      const bareRate = async () => bytes / MIB / (await bareIndexedDbWrite(browser, origin.url, bytes, 256 * 1024, 16))
      const bareBefore = await bareRate()
      const ingest = await ingestRate(browser, server, file, bytes)
      const bareAfter = await bareRate()
      rmSync(file, { force: true })
      const bare = (bareBefore + bareAfter) / 2
      const ratio = ingest / bare
      rows.push({
        size: `${bytes / MIB} MiB`,
        ingest: `${ingest.toFixed(1)} MiB/s`,
        'bare IndexedDB write': `${bare.toFixed(1)} MiB/s (${bareBefore.toFixed(1)} before, ${bareAfter.toFixed(1)} after)`,
        ratio: `${ratio.toFixed(2)}×`,
        target: `≥ ${TARGET_RATIO}×`,
        met: ratio >= TARGET_RATIO ? 'yes' : 'NO',
      })
    }
  } catch (err) {
    rows.push({
      size: 'benchmark stopped',
      ingest: String(err).split('\n')[0],
      'bare IndexedDB write': '',
      ratio: '',
      target: '',
      met: 'NO',
    })
    process.exitCode = 1
  } finally {
    await browser.close()
    await origin.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`\nSwarmdrop ingest, ${quick ? 'quick' : 'full'} run; the bare write from the same browser session\n`)
  console.log(table(rows))
}
