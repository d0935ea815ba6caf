/**
 * The ingest benchmark (issue 15): the app's ingest of one file (read, seal,
 * hash, store, manifest; between the marks `swarmdrop:ingest-start/-end`)
 * next to a bare write of the same bytes to the store it used (the mean of
 * one before and one after it), in the same browser session, and their
 * ratio. The app stores pieces in OPFS where it can; it is run a second time
 * with OPFS hidden from the page, on the IndexedDB store, next to a bare
 * IndexedDB write.
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
import { bareIndexedDbWrite, bareOpfsWrite } from './baselines.js'
import { startStaticServer } from './static-server.js'

/** The target: ingest at least this fraction of the bare write's rate. */
const TARGET_RATIO = 0.5

/**
 * Shares `file` through the UI of a fresh context; returns the ingest's MiB/s
 * from the app's own marks, and whether the pieces went to OPFS. With
 * `hideOpfs`, the page has no `navigator.storage.getDirectory`, so the app
 * keeps the IndexedDB store.
 */
async function ingestRate(browser: Browser, server: TestServer, file: string, bytes: number, hideOpfs: boolean) {
  const context = await browser.newContext()
  try {
    if (hideOpfs) await context.addInitScript(() => delete (StorageManager.prototype as Partial<StorageManager>).getDirectory)
    const page = await context.newPage()
    await page.goto(server.url + '/')
    await share(page, file)
    const ms = (await markTime(page, 'swarmdrop:ingest-end'))! - (await markTime(page, 'swarmdrop:ingest-start'))!
    const inOpfs = await page.evaluate(async () => {
      if (!navigator.storage.getDirectory) return false
      const root = await navigator.storage.getDirectory()
      const chunks = await root.getDirectoryHandle('swarmdrop-chunks').catch(() => undefined)
      for await (const _ of chunks?.keys() ?? []) return true
      return false
    })
    return { rate: bytes / MIB / (ms / 1000), inOpfs }
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
      // The same bytes as 256 KiB values (16 per IndexedDB transaction): what each store takes when nothing else runs.
      // Written once before and once after the ingests, so a machine that drifts during the run moves both alike.
      const bareIdb = async () => bytes / MIB / (await bareIndexedDbWrite(browser, origin.url, bytes, 256 * 1024, 16))
      const bareOpfs = async () => bytes / MIB / (await bareOpfsWrite(browser, origin.url, bytes, 256 * 1024))
      const [idbBefore, opfsBefore] = [await bareIdb(), await bareOpfs()]
      const opfs = await ingestRate(browser, server, file, bytes, false)
      const idb = await ingestRate(browser, server, file, bytes, true)
      const [opfsAfter, idbAfter] = [await bareOpfs(), await bareIdb()]
      rmSync(file, { force: true })
      if (!opfs.inOpfs || idb.inOpfs)
        throw new Error(`the app used the wrong store (OPFS run: ${opfs.inOpfs}, IndexedDB run: ${idb.inOpfs})`)
      const bare = { opfs: (opfsBefore + opfsAfter) / 2, idb: (idbBefore + idbAfter) / 2 }
      const ratio = opfs.rate / bare.opfs
      rows.push({
        size: `${bytes / MIB} MiB`,
        'ingest, OPFS store': `${opfs.rate.toFixed(1)} MiB/s`,
        'bare OPFS write': `${bare.opfs.toFixed(1)} MiB/s (${opfsBefore.toFixed(1)}, ${opfsAfter.toFixed(1)})`,
        ratio: `${ratio.toFixed(2)}×`,
        target: `≥ ${TARGET_RATIO}×`,
        met: ratio >= TARGET_RATIO ? 'yes' : 'NO',
        'ingest, IndexedDB store': `${idb.rate.toFixed(1)} MiB/s`,
        'bare IndexedDB write': `${bare.idb.toFixed(1)} MiB/s (${idbBefore.toFixed(1)}, ${idbAfter.toFixed(1)})`,
        'IndexedDB ratio': `${(idb.rate / bare.idb).toFixed(2)}×`,
        'OPFS / IndexedDB ingest': `${(opfs.rate / idb.rate).toFixed(2)}×`,
      })
    }
  } catch (err) {
    const blank = Object.fromEntries(Object.keys(rows[0] ?? {}).map((k) => [k, '']))
    rows.push({ ...blank, size: 'benchmark stopped', 'ingest, OPFS store': String(err).split('\n')[0], met: 'NO' })
    process.exitCode = 1
  } finally {
    await browser.close()
    await origin.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`\nSwarmdrop ingest, ${quick ? 'quick' : 'full'} run; the bare writes from the same browser session\n`)
  console.log(table(rows))
}
