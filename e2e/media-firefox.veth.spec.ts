/**
 * Watching while it downloads, in Firefox: a 60 s WebM shared from Chromium
 * with its upload capped at 1 MiB/s plays in Firefox long before the
 * download is done, a seek to 80 % plays within 3 s, and the file Firefox
 * saves alongside is byte-exact.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Page } from 'puppeteer-core'
import { waitFor } from './engine-page.js'
import { launchFirefox } from './firefox.js'
import { expect, newPeerPage, setUploadLimit, shareFiles, test } from './fixtures.js'
import { makeWebm } from './media.js'

interface Seen {
  currentTime: number
  duration: number
  piecesDone: number
  piecesTotal: number
  phase: string
}

/** The player and the transfer status, read in one go. */
function seen(page: Page): Promise<Seen | null> {
  return page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="media-player"]')
    const status = document.querySelector('[data-testid="transfer-status"]')
    if (!video || !status) return null
    const attr = (name: string) => status.getAttribute(name) ?? ''
    return {
      currentTime: video.currentTime,
      duration: video.duration,
      piecesDone: Number(attr('data-pieces-done')),
      piecesTotal: Number(attr('data-pieces-total')),
      phase: attr('data-phase'),
    }
  })
}

test('a video shared from Chromium plays in Firefox while it downloads, seeks, and saves byte-exact', async ({
  browser,
  server,
  workDir,
}) => {
  test.setTimeout(120_000)
  const video = makeWebm()
  const sender = await newPeerPage(browser)
  await sender.page.goto(server.url + '/')
  await setUploadLimit(sender.page, 1)
  const link = await shareFiles(sender.page, server.url, [video])
  const firefox = await launchFirefox({ dir: workDir, webRtc: true })
  try {
    await firefox.goto(link)
    const page = firefox.page
    await waitFor('Firefox: the player', async () => ((await seen(page)) ? true : undefined), 15_000)
    await page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="media-player"]')!
      v.muted = true
      void v.play()
    })
    const playing = await waitFor('Firefox: 2 s played', async () => ((await seen(page))!.currentTime > 2 ? seen(page) : undefined), 30_000)
    expect(playing!.phase).not.toBe('complete')
    expect(playing!.piecesDone).toBeLessThan(playing!.piecesTotal / 2)

    const target = playing!.duration * 0.8
    const seekedAt = Date.now()
    await page.evaluate((t) => {
      document.querySelector<HTMLVideoElement>('[data-testid="media-player"]')!.currentTime = t
    }, target)
    await waitFor('Firefox: playing past the seek', async () => ((await seen(page))!.currentTime > target + 0.1 ? true : undefined), 10_000)
    expect(Date.now() - seekedAt).toBeLessThan(3_000)

    const saved = await firefox.download(video.name, video.size, 60_000)
    expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(video.sha256)
  } finally {
    await firefox.close()
    await sender.context.close()
  }
})
