import type { Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import jsQR from 'jsqr'
import { PNG } from 'pngjs'
import { cidFromDigest } from '../format/cid.js'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { collectDownloads, expect, makeFile, newPeerPage, recordTraffic, shareFiles, test, zipEntries } from './fixtures.js'

const PIECE = 256 * 1024
const CAPACITY = PIECE - 16 // plaintext bytes per piece (each sealed piece carries a 16-byte tag)

async function peerBytes(page: Page): Promise<number[]> {
  const rows = page.getByTestId('peer-row')
  return (await rows.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-bytes-down'))))).sort((a, b) => b - a)
}

test('a drop of edge-sized files goes from A to B byte for byte, and C downloads from A and B at once', async ({
  browser,
  server,
  workDir,
}) => {
  const files = [
    makeFile(workDir, 'empty.txt', 0),
    makeFile(workDir, 'one-byte.bin', 1),
    makeFile(workDir, 'capacity-minus-1.bin', CAPACITY - 1),
    makeFile(workDir, 'capacity-plus-1.bin', CAPACITY + 1),
    makeFile(workDir, 'piece-size-plus-1.bin', PIECE + 1),
    makeFile(workDir, 'twenty-mib.bin', 20 * 1024 * 1024),
  ]
  const a = await newPeerPage(browser)
  const trafficA = recordTraffic(a.page)
  const link = await shareFiles(a.page, server.url, files)
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#bafkrei[a-z2-7]{52}\.[A-Za-z0-9_-]{43}$/)
  const secret = link.split('.').pop()!

  const b = await newPeerPage(browser)
  const trafficB = recordTraffic(b.page)
  const savedB = collectDownloads(b.page, 1) // several files: one zip
  const started = Date.now()
  await b.page.goto(link)
  await expect(b.page.getByTestId('file-row')).toHaveCount(files.length)
  await expect(b.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 90_000 })
  const seconds = (Date.now() - started) / 1000
  const total = files.reduce((s, f) => s + f.size, 0)
  console.log(
    `A→B: ${(total / 1024 / 1024).toFixed(1)} MiB in ${seconds.toFixed(2)} s = ${(total / 1024 / 1024 / seconds).toFixed(1)} MiB/s (link open to verified)`,
  )
  const [zip] = await savedB
  // Saved through the download service worker, which streams the zip from IndexedDB as it builds it.
  expect(await b.page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/sw\.js$/)
  expect(zip.name).toBe('swarmdrop-files.zip')
  expect(zipEntries(zip.path)).toEqual(new Map(files.map((f) => [f.name, f.sha256])))

  // C joins while A and B both hold every piece.
  const c = await newPeerPage(browser)
  const savedC = collectDownloads(c.page, 1)
  await c.page.goto(link)
  await expect(c.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 90_000 })
  expect(zipEntries((await savedC)[0].path)).toEqual(new Map(files.map((f) => [f.name, f.sha256])))
  await expect(c.page.getByTestId('peer-row')).toHaveCount(2)
  const fromEach = await peerBytes(c.page)
  console.log(`C received ${fromEach.map((n) => (n / 1024 / 1024).toFixed(1) + ' MiB').join(' + ')} from its two peers`)
  expect(fromEach[1]).toBeGreaterThan(PIECE) // more than a piece from the lesser of the two

  // Nothing the pages sent to the server carries the secret or plaintext.
  const plain = readFileSync(files[5].path)
  for (const t of [trafficA, trafficB]) {
    expect(t.urls.length).toBeGreaterThan(0)
    expect(t.wsSent.length).toBeGreaterThan(0)
    for (const text of [...t.urls, ...t.wsSent]) expect(text).not.toContain(secret)
    for (const bin of t.wsSentBinary) {
      expect(bin.includes(Buffer.from(secret))).toBe(false)
      for (let i = 0; i + 16 <= plain.length; i += 4096) expect(bin.includes(plain.subarray(i, i + 16))).toBe(false)
    }
  }
  for (const p of [a, b, c]) await p.context.close()
})

test('without the download service worker, files are saved from an assembled Blob, byte for byte', async ({ browser, server, workDir }) => {
  const files = [makeFile(workDir, 'a.bin', 3 * PIECE + 5), makeFile(workDir, 'b.txt', 10)]
  const a = await newPeerPage(browser)
  const link = await shareFiles(a.page, server.url, files)
  const context = await browser.newContext({ serviceWorkers: 'block' })
  const page = await context.newPage()
  const saved = collectDownloads(page, 1)
  await page.goto(link)
  await expect(page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete')
  expect(await page.evaluate(() => navigator.serviceWorker?.controller ?? null)).toBeNull()
  expect(zipEntries((await saved)[0].path)).toEqual(new Map(files.map((f) => [f.name, f.sha256])))
  // One file on its own is saved as itself.
  const single = collectDownloads(page, 1)
  await page.getByTestId('file-row').filter({ hasText: 'b.txt' }).getByRole('button', { name: 'Save' }).click()
  expect(await single).toEqual([expect.objectContaining({ name: 'b.txt', sha256: files[1].sha256 })])
  await context.close()
  await a.context.close()
})

test('the share panel shows a QR code that decodes to the link', async ({ browser, server, workDir }) => {
  const { page, context } = await newPeerPage(browser)
  const link = await shareFiles(page, server.url, [makeFile(workDir, 'qr.txt', 100)])
  const qr = page.getByTestId('share-qr')
  await expect(qr).toBeVisible()
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/) // drawn locally, nothing fetched
  const png = PNG.sync.read(await qr.screenshot())
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
  expect(decoded?.data).toBe(link)
  await context.close()
})

test('a password link refuses a wrong password, opens with the right one, and the server never sees either', async ({
  browser,
  server,
  workDir,
}) => {
  const file = makeFile(workDir, 'contract.pdf', 700_000)
  const a = await newPeerPage(browser)
  const trafficA = recordTraffic(a.page)
  await a.page.goto(server.url + '/')
  await a.page.getByTestId('share-password').fill('tr0ub4dor&3')
  const link = await shareFiles(a.page, server.url, [file], { navigate: false })
  expect(link).toMatch(/#bafkrei[a-z2-7]{52}\.p2\.[A-Za-z0-9_-]{22}$/)

  const b = await newPeerPage(browser)
  const trafficB = recordTraffic(b.page)
  const saved = collectDownloads(b.page, 1)
  await b.page.goto(link)
  await b.page.getByTestId('link-password').fill('correct horse')
  await b.page.getByRole('button', { name: 'Open' }).click()
  await expect(b.page.getByTestId('password-error')).toHaveText('Wrong password. Try again.', { timeout: 30_000 })
  await b.page.getByTestId('link-password').fill('tr0ub4dor&3')
  await b.page.getByRole('button', { name: 'Open' }).click()
  await expect(b.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 30_000 })
  expect((await saved)[0]).toMatchObject({ name: file.name, sha256: file.sha256 })
  for (const t of [trafficA, trafficB]) {
    for (const text of [...t.urls, ...t.wsSent]) {
      expect(text).not.toContain('tr0ub4dor')
      expect(text).not.toContain('correct horse')
    }
  }
  await a.context.close()
  await b.context.close()
})

test('a link past its expiry says it expired', async ({ browser, server, workDir }) => {
  const a = await newPeerPage(browser)
  await a.page.goto(server.url + '/')
  await a.page.getByTestId('share-expiry').selectOption('1')
  const link = await shareFiles(a.page, server.url, [makeFile(workDir, 'event-tickets.pdf', 50_000)], { navigate: false })
  const b = await newPeerPage(browser)
  await b.context.clock.setFixedTime(new Date(Date.now() + 2 * 3600_000)) // the receiver opens it two hours later
  await b.page.goto(link)
  await expect(b.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'failed', { timeout: 30_000 })
  await expect(b.page.getByTestId('receive-phase')).toContainText('This link expired on')
  await a.context.close()
  await b.context.close()
})

test('a folder of nested files arrives as a zip with every path and byte intact', async ({ browser, server, workDir }) => {
  const root = join(workDir, 'album')
  mkdirSync(join(root, '2024', 'summer'), { recursive: true })
  const files = [
    { rel: 'album/cover.jpg', file: makeFile(root, 'cover.jpg', 300_000) },
    { rel: 'album/2024/notes.txt', file: makeFile(join(root, '2024'), 'notes.txt', 12) },
    { rel: 'album/2024/summer/beach.raw', file: makeFile(join(root, '2024', 'summer'), 'beach.raw', 600_000) },
  ]
  const a = await newPeerPage(browser)
  await a.page.goto(server.url + '/')
  await a.page.getByTestId('folder-input').setInputFiles(root)
  await expect(a.page.getByTestId('share-link')).toBeVisible({ timeout: 30_000 })
  const link = await a.page.getByTestId('share-link').inputValue()
  const b = await newPeerPage(browser)
  const saved = collectDownloads(b.page, 1)
  await b.page.goto(link)
  await expect(b.page.getByTestId('file-row')).toHaveCount(3)
  await expect(b.page.getByTestId('file-list')).toContainText('album/2024/summer/beach.raw')
  await expect(b.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete')
  const [zip] = await saved
  expect(zip.name).toBe('album.zip')
  expect(zipEntries(zip.path)).toEqual(new Map(files.map((f) => [f.rel, f.file.sha256])))
  await a.context.close()
  await b.context.close()
})

test('a folder with names unsafe elsewhere is shared under safe names, the sender is told, and the zip holds them', async ({
  browser,
  server,
  workDir,
}) => {
  // Names Linux allows and Windows, macOS or a terminal do not (file-names.ts renames them one way).
  const root = join(workDir, 'mixed')
  mkdirSync(root)
  const names = {
    'notes ': 'mixed/notes',
    'a:b.txt': 'mixed/a_b.txt',
    'aux.txt': 'mixed/_aux.txt',
    'Readme.md': 'mixed/Readme (2).md',
    'README.md': 'mixed/README.md',
  }
  const files = Object.keys(names).map((name, i) => makeFile(root, name, 1000 + i))
  const a = await newPeerPage(browser)
  await a.page.goto(server.url + '/')
  await a.page.getByTestId('folder-input').setInputFiles(root)
  const link = await a.page.getByTestId('share-link').inputValue({ timeout: 30_000 })
  const note = a.page.getByTestId('renamed-files')
  await expect(note).toContainText('names were changed to be safe on every system')
  await expect(note).toContainText('"mixed/notes " → "mixed/notes"')
  await expect(note).toContainText('"mixed/a:b.txt" → "mixed/a_b.txt"')
  const b = await newPeerPage(browser)
  const saved = collectDownloads(b.page, 1)
  await b.page.goto(link)
  await expect(b.page.getByTestId('file-row')).toHaveCount(files.length)
  await expect(b.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete')
  const [zip] = await saved
  expect(zipEntries(zip.path)).toEqual(new Map(files.map((f) => [names[f.name as keyof typeof names], f.sha256])))
  await a.context.close()
  await b.context.close()
})

test('a malformed or truncated link shows a clear error', async ({ browser, server }) => {
  const { page, context } = await newPeerPage(browser)
  await page.goto(server.url + '/#not-a-link')
  await expect(page.getByTestId('link-error')).toContainText('missing its secret')
  await page.goto(server.url + '/#bafkreiaaaa.abc')
  await expect(page.getByTestId('link-error')).toContainText('content id is malformed')
  const cid = 'bafkrei' + 'a'.repeat(52)
  await page.goto(`${server.url}/#${cid}.${'A'.repeat(20)}`)
  await expect(page.getByTestId('link-error')).toContainText('wrong length')
  await context.close()
})

test('a link nobody seeds says so and keeps waiting', async ({ browser, server }) => {
  const { page, context } = await newPeerPage(browser)
  const cid = cidFromDigest(new Uint8Array(32).fill(7)) // well-formed, but nobody holds it
  await page.goto(`${server.url}/#${cid}.${'A'.repeat(43)}`)
  await expect(page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'finding-peers')
  await expect(page.getByTestId('receive-phase')).toContainText('None is online yet')
  await context.close()
})
