/**
 * Shared Playwright fixtures: a fresh server per test, files of chosen sizes
 * with known hashes, and page helpers that go through the UI as a user does.
 */
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { unzipSync } from 'fflate'
import { join } from 'node:path'
import { type TestServer, startTestServer } from './server.js'
import { sha256File } from '../cli/cli.fixtures.js'

export { sha256File }

export interface TestFile {
  name: string
  path: string
  size: number
  sha256: string
}

export const test = base.extend<{ server: TestServer; workDir: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture needs from this destructuring
  server: async ({}, use) => {
    const server = await startTestServer()
    await use(server)
    await server.stop()
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture needs from this destructuring
  workDir: async ({}, use) => {
    await use(mkdtempSync(join(tmpdir(), 'swarmdrop-e2e-')))
  },
})
export { expect }

export function makeFile(dir: string, name: string, size: number): TestFile {
  const path = join(dir, name)
  const bytes = randomBytes(size)
  writeFileSync(path, bytes)
  return { name, path, size, sha256: createHash('sha256').update(bytes).digest('hex') }
}

/** A context per "browser": separate IndexedDB, separate peer. */
export async function newPeerPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`))
  return { context, page }
}

/** Picks the files through the file input and returns the share link. */
export async function shareFiles(page: Page, serverUrl: string, files: TestFile[], options = { navigate: true }): Promise<string> {
  if (options.navigate) await page.goto(serverUrl + '/')
  await expect(page.getByTestId('server-status')).toHaveText('Online')
  await page.getByTestId('file-input').setInputFiles(files.map((f) => f.path))
  const link = page.getByTestId('share-link')
  await expect(link).toBeVisible({ timeout: 60_000 })
  return link.inputValue()
}

/** Caps the page's upload rate through the settings panel (kept in localStorage for the context); null lifts the cap. */
export async function setUploadLimit(page: Page, mibPerSecond: number | null): Promise<void> {
  const input = page.getByTestId('upload-limit')
  if (!(await input.isVisible())) await page.getByText('Settings').click()
  await input.fill(mibPerSecond === null ? '' : String(mibPerSecond))
}

export interface TransferProgress {
  phase: string
  bytesDown: number
  piecesDone: number
  piecesTotal: number
}

/** One read of the transfer status, so every field comes from the same render. */
export async function progressOf(page: Page): Promise<TransferProgress> {
  return page.getByTestId('transfer-status').evaluate((status) => {
    const attr = (name: string) => status.getAttribute(name) ?? ''
    return {
      phase: attr('data-phase'),
      bytesDown: Number(attr('data-bytes-down')),
      piecesDone: Number(attr('data-pieces-done')),
      piecesTotal: Number(attr('data-pieces-total')),
    }
  })
}

/** How many pieces each connected peer holds, as the page's peer table shows it. */
export async function peerPieces(page: Page): Promise<number[]> {
  return page.getByTestId('peer-row').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-pieces'))))
}

/** Polls until `predicate` holds for the page's transfer. */
export async function waitForProgress(
  page: Page,
  predicate: (p: TransferProgress) => boolean,
  timeout = 60_000,
): Promise<TransferProgress> {
  let last: TransferProgress | undefined
  await expect
    .poll(
      async () => {
        last = await progressOf(page)
        return predicate(last)
      },
      { timeout, intervals: [100] },
    )
    .toBe(true)
  return last!
}

export interface SavedFile {
  name: string
  sha256: string
  path: string
}

/** The entries of a saved zip: path to SHA-256 of the bytes. */
export function zipEntries(path: string): Map<string, string> {
  const entries = unzipSync(readFileSync(path))
  return new Map(Object.entries(entries).map(([name, bytes]) => [name, createHash('sha256').update(bytes).digest('hex')]))
}

/** Waits for `count` browser downloads and hashes what was saved. */
export function collectDownloads(page: Page, count: number): Promise<SavedFile[]> {
  return new Promise((resolve, reject) => {
    const saved: Promise<SavedFile>[] = []
    page.on('download', (download) => {
      saved.push(
        download.path().then((path) => {
          if (!path) throw new Error(`download ${download.suggestedFilename()} failed: ${download.failure()}`)
          return { name: download.suggestedFilename(), sha256: sha256File(path), path }
        }),
      )
      if (saved.length === count) Promise.all(saved).then(resolve, reject)
    })
  })
}

export interface Traffic {
  /** Every URL the page requested (the fragment is never part of it). */
  urls: string[]
  /** Every WebSocket frame the page sent, as text or base64 for binary. */
  wsSent: string[]
  wsSentBinary: Buffer[]
}

/** Records what a page sends to the server. */
export function recordTraffic(page: Page): Traffic {
  const traffic: Traffic = { urls: [], wsSent: [], wsSentBinary: [] }
  page.on('request', (req) => {
    traffic.urls.push(req.url())
    const body = req.postData()
    if (body) traffic.wsSent.push(body)
    for (const value of Object.values(req.headers())) traffic.wsSent.push(value)
  })
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      if (typeof payload === 'string') traffic.wsSent.push(payload)
      else traffic.wsSentBinary.push(payload)
    })
  })
  return traffic
}

/** Asserts that none of `secrets` appears in anything the page sent: URLs, request bodies and headers, WebSocket frames. */
export function expectNeverSent(traffic: Traffic, secrets: readonly string[]): void {
  for (const secret of secrets) {
    for (const text of [...traffic.urls, ...traffic.wsSent]) expect(text).not.toContain(secret)
    for (const bin of traffic.wsSentBinary) expect(bin.includes(Buffer.from(secret))).toBe(false)
  }
}

/**
 * The pieces (and manifests) a page stores, in OPFS (web/browser/opfs-store.ts:
 * a directory per drop, a file per chunk) and in IndexedDB: their hex ids,
 * sorted and each once, and, if asked, one chunk's bytes.
 */
export async function storedChunks(page: Page, valueKey?: string): Promise<{ keys: string[]; value: number[] | null }> {
  return page.evaluate(visitStoredChunks, { wanted: valueKey ?? null, corrupt: false }).then(({ keys, value }) => ({ keys, value }))
}

/** Overwrites the first 64 KiB of every stored chunk of at least that size with random bytes; returns how many. */
export async function corruptStoredChunks(page: Page): Promise<number> {
  return (await page.evaluate(visitStoredChunks, { wanted: null, corrupt: true })).corrupted
}

/** Runs in the page: lists (and optionally corrupts) the chunks of both stores. */
async function visitStoredChunks({ wanted, corrupt }: { wanted: string | null; corrupt: boolean }) {
  const keys = new Set<string>()
  let value: number[] | null = null
  let corrupted = 0
  const spoil = (bytes: Uint8Array<ArrayBuffer>) => crypto.getRandomValues(bytes.subarray(0, 65536))
  const root = await navigator.storage.getDirectory()
  const chunks = await root.getDirectoryHandle('swarmdrop-chunks').catch(() => null)
  for await (const drop of (chunks as unknown as AsyncIterable<[string, FileSystemHandle]> | null) ?? []) {
    if (!(drop[1] instanceof FileSystemDirectoryHandle)) continue
    for await (const [name, handle] of drop[1] as unknown as AsyncIterable<[string, FileSystemHandle]>) {
      if (name.includes('.') || !(handle instanceof FileSystemFileHandle)) continue
      keys.add(name)
      const file = await handle.getFile()
      if (name === wanted) value = [...new Uint8Array(await file.arrayBuffer())]
      if (corrupt && file.size >= 65536) {
        const bytes = new Uint8Array(await file.arrayBuffer())
        spoil(bytes)
        const writable = await handle.createWritable()
        await writable.write(bytes)
        await writable.close()
        corrupted++
      }
    }
  }
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open('swarmdrop')
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
  if (db.objectStoreNames.contains('chunks')) {
    const store = db.transaction('chunks', 'readwrite').objectStore('chunks')
    await new Promise<void>((resolve, reject) => {
      const cursor = store.openCursor()
      cursor.onsuccess = () => {
        const c = cursor.result
        if (!c) return resolve()
        const key = String(c.key)
        keys.add(key)
        const bytes = new Uint8Array(c.value as ArrayBuffer)
        if (key === wanted) value ??= [...bytes]
        if (corrupt && bytes.length >= 65536) {
          spoil(bytes)
          c.update(bytes.buffer)
          corrupted++
        }
        c.continue()
      }
      cursor.onerror = () => reject(cursor.error)
    })
  }
  db.close()
  return { keys: [...keys].sort(), value, corrupted }
}
