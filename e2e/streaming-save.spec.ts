/**
 * The save streams during the download: the browser's download starts as
 * soon as the file list is known, fills as pieces are verified and ends
 * with the last one, byte for byte. A save cut off by a reload loses
 * nothing: the drop resumes from its stored pieces and the save starts
 * again. The sender caps its upload so the download takes a few seconds.
 */
import type { Download, Page } from '@playwright/test'
import { expect, makeFile, newPeerPage, progressOf, setUploadLimit, sha256File, shareFiles, test, waitForProgress } from './fixtures.js'

const MIB = 1024 * 1024

/** The next download the page starts, and what the page's transfer said at that moment. */
async function nextDownload(page: Page): Promise<{ download: Download; piecesDone: number; piecesTotal: number; phase: string }> {
  const download = await page.waitForEvent('download', { timeout: 60_000 })
  const { piecesDone, piecesTotal, phase } = await progressOf(page)
  return { download, piecesDone, piecesTotal, phase }
}

test('the save starts with the download, fills as pieces arrive and ends byte-exact with the last one', async ({
  browser,
  server,
  workDir,
}) => {
  const file = makeFile(workDir, 'film.bin', 12 * MIB)
  const a = await newPeerPage(browser)
  await a.page.goto(server.url + '/')
  await setUploadLimit(a.page, 3)
  const link = await shareFiles(a.page, server.url, [file])
  const b = await newPeerPage(browser)
  const started = nextDownload(b.page)
  await b.page.goto(link)
  const save = await started
  // The download began while most of the file was still to come.
  expect(save.phase).not.toBe('complete')
  expect(save.piecesDone).toBeLessThan(save.piecesTotal / 2)
  expect(save.download.suggestedFilename()).toBe('film.bin')
  const path = await save.download.path()
  const savedAt = Date.now()
  expect(await sha256File(path)).toBe(file.sha256)
  // No second pass: once the last piece is verified the saved file is all there.
  const complete = await waitForProgress(b.page, (p) => p.phase === 'complete')
  expect(complete.piecesDone).toBe(complete.piecesTotal)
  expect(Date.now() - savedAt).toBeLessThan(5_000)
  await b.context.close()
  await a.context.close()
})

test('a save cut off by a reload resumes: the drop continues from its stored pieces and saves again, byte-exact', async ({
  browser,
  server,
  workDir,
}) => {
  const file = makeFile(workDir, 'dataset.bin', 12 * MIB)
  const a = await newPeerPage(browser)
  await a.page.goto(server.url + '/')
  await setUploadLimit(a.page, 3)
  const link = await shareFiles(a.page, server.url, [file])
  const b = await newPeerPage(browser)
  const first = nextDownload(b.page)
  await b.page.goto(link)
  const cut = await first
  const before = await waitForProgress(b.page, (p) => p.piecesDone >= p.piecesTotal / 4 && p.phase === 'downloading')
  const again = nextDownload(b.page)
  await b.page.reload()
  // The first save fails (the page that fed it is gone) and leaves nothing behind as if it were whole.
  expect(await cut.download.failure()).not.toBeNull()
  const resumed = await again
  expect(await sha256File(await resumed.download.path())).toBe(file.sha256)
  const done = await waitForProgress(b.page, (p) => p.phase === 'complete')
  // The pieces verified before the reload were kept: this page load fetched only what was missing.
  expect(before.piecesDone).toBeGreaterThan(0)
  expect(done.bytesDown).toBeLessThan(file.size * 0.85)
  await b.context.close()
  await a.context.close()
})
