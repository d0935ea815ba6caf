/**
 * What the swarm simulator (bench/swarm) predicts, checked in real browsers
 * on a small case: a seeder whose upload is capped serves four downloaders
 * that arrive together about as fast as it serves one alone, because they
 * trade the pieces among themselves (and a lone seeder super-seeds). One at a
 * time, the four would take four times as long.
 */
import type { Browser } from '@playwright/test'
import { collectDownloads, expect, makeFile, newPeerPage, setUploadLimit, shareFiles, test } from './fixtures.js'

const MIB = 1024 * 1024
/** The seeder's cap, in MiB/s: well under what the downloaders' uncapped uploads move here. */
const CAP = 1
const FILE_BYTES = 6 * MIB

/** Pages already open on the app and online, so each download's clock starts at the link. */
async function onlinePages(browser: Browser, serverUrl: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const peer = await newPeerPage(browser)
      await peer.page.goto(serverUrl + '/')
      await expect(peer.page.getByTestId('server-status')).toHaveText('Online')
      return peer
    }),
  )
}

/** Opens the link in every page at once; resolves with the seconds until the last saved the file, checked byte for byte. */
async function downloadTogether(pages: Awaited<ReturnType<typeof onlinePages>>, link: string, sha256: string): Promise<number> {
  const saved = pages.map(({ page }) => collectDownloads(page, 1))
  const started = Date.now()
  await Promise.all(pages.map(({ page }) => page.goto(link)))
  await Promise.all(
    pages.map(({ page }) => expect(page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 120_000 })),
  )
  const seconds = (Date.now() - started) / 1000
  for (const files of await Promise.all(saved)) expect(files[0].sha256).toBe(sha256)
  return seconds
}

test('four downloaders of a capped seeder finish together about as fast as one alone', async ({ browser, server, workDir }) => {
  test.setTimeout(300_000)
  const file = makeFile(workDir, 'crowd.bin', FILE_BYTES)
  const seeder = await newPeerPage(browser)
  await seeder.page.goto(server.url + '/')
  await setUploadLimit(seeder.page, CAP)
  const link = await shareFiles(seeder.page, server.url, [file])

  const [solo] = await onlinePages(browser, server.url, 1)
  const alone = await downloadTogether([solo], link, file.sha256)
  await solo.context.close() // gone: the crowd has only the seeder to start from

  const crowd = await onlinePages(browser, server.url, 4)
  const together = await downloadTogether(crowd, link, file.sha256)
  console.log(
    `one downloader alone: ${alone.toFixed(1)} s; four together: ${together.toFixed(1)} s (one at a time: ~${(4 * alone).toFixed(0)} s)`,
  )
  // At the seeder's cap alone, four copies would take four times one copy.
  expect(alone).toBeGreaterThan((0.8 * FILE_BYTES) / MIB / CAP)
  expect(together).toBeLessThan(3 * alone)
})
