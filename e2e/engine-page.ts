/**
 * One Swarmdrop page in any browser engine, through the least every driver
 * can do (Playwright for Chromium, puppeteer-core over WebDriver BiDi for
 * Firefox, plain W3C WebDriver for WebKitGTK), and the user's path on top of
 * it, so that a spec reads the same for every engine.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { type TestFile, expect, makeFile } from './fixtures.js'

export interface EnginePage {
  /** Which browser, for messages and timings. */
  readonly label: string
  goto(url: string): Promise<void>
  /** Runs readElement (below) in the page. */
  read(testId: string, what: Readable): Promise<string | null>
  setInputFiles(testId: string, paths: string[]): Promise<void>
  /** Waits until the browser has saved a download named `name` of `size` bytes; returns its path. */
  download(name: string, size: number, timeoutMs: number): Promise<string>
  close(): Promise<void>
}

export type Readable = 'textContent' | 'value' | `data-${string}`

/**
 * Runs in the page: a property or data- attribute of the element with this
 * test id, null when there is none. Drivers pass it as a function, or as
 * READ_SCRIPT where they take a script body.
 */
export function readElement([testId, what]: readonly [string, Readable]): string | null {
  const el = document.querySelector(`[data-testid="${testId}"]`)
  if (!el) return null
  return what.startsWith('data-') ? el.getAttribute(what) : String((el as unknown as Record<string, unknown>)[what] ?? '')
}

export const READ_SCRIPT = `return (${readElement.toString()})(arguments[0])`

/** How often conditions on a page are checked: each check is a round trip to the browser. */
const POLL_MS = 100

/** Resolves once `check` returns a value other than undefined; fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

/** Waits until the element's text matches; returns the text. */
export function waitForText(page: EnginePage, testId: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    `${page.label}: [data-testid=${testId}] to match ${pattern}`,
    async () => {
      const text = await page.read(testId, 'textContent')
      return text !== null && pattern.test(text) ? text : undefined
    },
    timeoutMs,
  )
}

/** Picks the file on the home page, as a user does; returns the share link. */
export async function shareFile(page: EnginePage, serverUrl: string, file: TestFile): Promise<string> {
  await page.goto(serverUrl + '/')
  await waitForText(page, 'server-status', /^Online$/)
  await page.setInputFiles('file-input', [file.path])
  return waitFor(`${page.label}: the share link`, async () => (await page.read('share-link', 'value')) || undefined, 60_000)
}

export interface Received {
  /** From opening the link to every piece verified. */
  seconds: number
  /** From opening the link to the first connected peer. */
  connectedAfter: number
  /** From the first connected peer to every piece verified. */
  mibPerSecond: number
  /** How the bytes came: the link kinds of the peers seen during the transfer ('direct', 'relay', …). */
  kinds: string[]
}

/** Opens the link, waits for every piece and the saved download, and checks its bytes against the file. */
export async function receiveFile(page: EnginePage, link: string, file: TestFile, timeoutMs = 90_000): Promise<Received> {
  const started = Date.now()
  const kinds = new Set<string>()
  let connectedAfter = Infinity
  await page.goto(link)
  await waitFor(
    `${page.label}: the download of ${file.name} to complete`,
    async () => {
      const kind = await page.read('peer-row', 'data-kind') // the connection may close once everything is here
      if (kind) kinds.add(kind)
      if (kind && connectedAfter === Infinity) connectedAfter = (Date.now() - started) / 1000
      return (await page.read('receive-phase', 'data-phase')) === 'complete' ? true : undefined
    },
    timeoutMs,
  ).catch(async (err: Error) => {
    throw new Error(
      `${err.message}; the page says: ${await page.read('receive-phase', 'textContent')} ${await page.read('peer-count', 'textContent')}`,
    )
  })
  const seconds = (Date.now() - started) / 1000
  const saved = await page.download(file.name, file.size, 30_000)
  const sha256 = createHash('sha256').update(readFileSync(saved)).digest('hex')
  if (sha256 !== file.sha256)
    throw new Error(`${page.label} saved ${file.name} with other bytes (sha256 ${sha256}, expected ${file.sha256})`)
  return { seconds, connectedAfter, mibPerSecond: file.size / 1024 / 1024 / (seconds - connectedAfter), kinds: [...kinds] }
}

/** One line for the test log: how fast, over what, and how soon it connected. */
export function describeReceived(from: string, to: string, file: TestFile, r: Received): string {
  const mib = (file.size / 1024 / 1024).toFixed(0)
  return `${from} → ${to}: ${mib} MiB at ${r.mibPerSecond.toFixed(1)} MiB/s over ${r.kinds.join(' then ')}, connected ${r.connectedAfter.toFixed(1)} s after opening the link`
}

export interface Exchange {
  /** The page in the engine under test. */
  engine: EnginePage
  engineName: string
  /** A fresh Chromium page: one shares to the engine, another receives from it. */
  newChromium: () => Promise<EnginePage>
  serverUrl: string
  workDir: string
  /** The link kind every transfer must use: 'direct' or 'relay'. */
  kind: string
  /** The engine has no WebRTC: its page must say that files go through the server. */
  saysWebRtcOff?: boolean
  /** Chromium's direct attempt is refused at once: it must connect within this many seconds, not time out. */
  connectedWithinSeconds?: number
}

/** 8 MiB from Chromium to the engine, then 4 MiB back, each byte-exact over `kind`, with the rates logged. */
export async function exchangeWithChromium(x: Exchange): Promise<void> {
  const toEngine = makeFile(x.workDir, 'to-engine.bin', 8 * 1024 * 1024)
  const toChromium = makeFile(x.workDir, 'to-chromium.bin', 4 * 1024 * 1024)
  const link = await shareFile(await x.newChromium(), x.serverUrl, toEngine)
  const got = await receiveFile(x.engine, link, toEngine)
  if (x.saysWebRtcOff) {
    await waitForText(
      x.engine,
      'webrtc-off',
      /This browser has WebRTC turned off: files go through the server, still end-to-end encrypted\./,
    )
  }
  console.log(describeReceived('Chromium', x.engineName, toEngine, got))
  expect(got.kinds).toEqual([x.kind])

  const back = await shareFile(x.engine, x.serverUrl, toChromium)
  const gotBack = await receiveFile(await x.newChromium(), back, toChromium)
  console.log(describeReceived(x.engineName, 'Chromium', toChromium, gotBack))
  expect(gotBack.kinds).toEqual([x.kind])
  if (x.connectedWithinSeconds !== undefined) expect(gotBack.connectedAfter).toBeLessThan(x.connectedWithinSeconds)
}
