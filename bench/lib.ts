/** Shared by the benchmarks: processes' CPU time, files, a browser, the app's share and download path. */
import { createReadStream, readFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { chromium, type Browser, type Page } from '@playwright/test'
import { chromiumLaunchOptions } from '../e2e/chromium.js'

export const MIB = 1024 * 1024

/** Server flags that let a few load generators stand for thousands of clients: quiet logs, no per-address or rate caps. */
export const LOAD_SERVER_FLAGS = ['--log-level', 'error', '--max-connections-per-ip', '1000000', '--max-message-rate', '100000']

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100)
}

/** A file of random bytes, written in 16 MiB slices so memory stays flat. */
export function randomFile(path: string, bytes: number): string {
  const fd = openSync(path, 'w')
  for (let written = 0; written < bytes; ) {
    const n = Math.min(16 * MIB, bytes - written)
    writeSync(fd, randomBytes(n))
    written += n
  }
  closeSync(fd)
  return path
}

export function launch(): Promise<Browser> {
  return chromium.launch({ ...chromiumLaunchOptions(), headless: true })
}

export interface PagePair {
  sender: Page
  receiver: Page
  close(): Promise<void>
}

/** Two pages in separate contexts; without media permission Chromium finds no direct path (relay only). */
export async function pagePair(browser: Browser, direct: boolean): Promise<PagePair> {
  const permissions = direct ? ['camera', 'microphone'] : []
  const a = await browser.newContext({ permissions, acceptDownloads: true })
  const b = await browser.newContext({ permissions, acceptDownloads: true })
  return {
    sender: await a.newPage(),
    receiver: await b.newPage(),
    close: async () => {
      await a.close()
      await b.close()
    },
  }
}

/** Shares through the UI of a page showing the app; returns the link once the file is ingested. */
export async function share(page: Page, path: string): Promise<string> {
  await page.getByTestId('file-input').setInputFiles(path)
  const link = page.getByTestId('share-link')
  await link.waitFor({ timeout: 600_000 })
  return link.inputValue()
}

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MIB })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Opens the link and waits until every piece is verified and the file saved;
 * returns seconds. With `expectSha256`, checks the saved file (not timed).
 */
export async function download(page: Page, link: string, expectSha256?: string, timeoutMs = 900_000): Promise<number> {
  const saved = page.waitForEvent('download', { timeout: timeoutMs })
  const started = performance.now()
  await page.goto(link)
  await page.getByTestId('receive-phase').and(page.locator('[data-phase="complete"]')).waitFor({ timeout: timeoutMs })
  const download = await saved
  const path = await download.path()
  const seconds = (performance.now() - started) / 1000
  if (expectSha256 && (await sha256File(path)) !== expectSha256)
    throw new Error(`saved ${download.suggestedFilename()} differs from the original`)
  return seconds
}

/** A User Timing mark the app set (see web/core/drop.ts), in ms since the page's navigation. */
export function markTime(page: Page, name: string): Promise<number | undefined> {
  return page.evaluate((name) => performance.getEntriesByName(name)[0]?.startTime, name)
}

export function table(rows: Record<string, string | number>[]): string {
  const keys = Object.keys(rows[0])
  const cells = rows.map((r) => keys.map((k) => String(r[k])))
  const widths = keys.map((k, i) => Math.max(k.length, ...cells.map((c) => c[i].length)))
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ')
  return [line(keys), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}
