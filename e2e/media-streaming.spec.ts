/**
 * Watching while it downloads: a 60 s WebM shared with the sender's upload
 * capped at 1 MiB/s plays on the receive page long before the download is
 * done, a seek to 80 % plays within 3 s, the file saved alongside is
 * byte-exact, and once received it plays from the browser's own store with
 * no peer online. The video is made by ffmpeg (media.ts).
 */
import type { Page } from '@playwright/test'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { PIECE_OVERHEAD_BYTES } from '../format/limits.js'
import { expect, newPeerPage, progressOf, setUploadLimit, sha256File, shareFiles, type TestFile, test } from './fixtures.js'
import { makeWebm } from './media.js'

/** The player's state, read in one go. */
function playerState(page: Page) {
  return page.getByTestId('media-player').evaluate((el) => {
    const video = el as HTMLVideoElement
    return { currentTime: video.currentTime, duration: video.duration, paused: video.paused }
  })
}

let video: TestFile
test.beforeAll(() => {
  video = makeWebm()
})

test('a video plays while it downloads, seeks to 80 % within 3 s, saves byte-exact, then plays from the library with no peer', async ({
  browser,
  server,
}) => {
  test.setTimeout(120_000)
  const a = await newPeerPage(browser)
  await a.page.goto(server.url + '/')
  await setUploadLimit(a.page, 1)
  const link = await shareFiles(a.page, server.url, [video])

  const b = await newPeerPage(browser)
  const saved = b.page.waitForEvent('download', { timeout: 90_000 })
  await b.page.goto(link)
  const player = b.page.getByTestId('media-player')
  await expect(player).toBeVisible({ timeout: 15_000 })
  // Headless Chromium allows muted autoplay; the test starts it as a user would.
  await player.evaluate((el) => {
    const v = el as HTMLVideoElement
    v.muted = true
    void v.play()
  })

  // Playing 2 s in while fewer than half the pieces are verified.
  await expect.poll(async () => (await playerState(b.page)).currentTime, { timeout: 30_000, intervals: [100] }).toBeGreaterThan(2)
  const atTwoSeconds = await progressOf(b.page)
  expect(atTwoSeconds.phase).not.toBe('complete')
  expect(atTwoSeconds.piecesDone).toBeLessThan(atTwoSeconds.piecesTotal / 2)

  // A seek to 80 %: the pieces under the playhead come first, and it plays on from there.
  const { duration } = await playerState(b.page)
  const target = duration * 0.8
  const before = await progressOf(b.page)
  const seekedAt = Date.now()
  await player.evaluate((el, t) => {
    ;(el as HTMLVideoElement).currentTime = t
  }, target)
  await expect.poll(async () => (await playerState(b.page)).currentTime, { timeout: 10_000, intervals: [50] }).toBeGreaterThan(target + 0.1)
  const seekMs = Date.now() - seekedAt
  expect(before.piecesDone).toBeLessThan(before.piecesTotal * 0.8)
  expect(seekMs).toBeLessThan(3_000)

  // The download went on behind playback: the saved file is the shared one, byte for byte.
  const download = await saved
  expect(await sha256File(await download.path())).toBe(video.sha256)

  // Received in full, it plays from this browser's own store with no peer online, opened from the library.
  await a.context.close()
  await b.page.goto(server.url + '/')
  await b.page.getByTestId('library-item').getByRole('link', { name: video.name }).click()
  await expect(player).toBeVisible({ timeout: 15_000 })
  await player.evaluate((el) => {
    const v = el as HTMLVideoElement
    v.muted = true
    void v.play()
  })
  await expect.poll(async () => (await playerState(b.page)).currentTime, { timeout: 15_000, intervals: [100] }).toBeGreaterThan(1)
  expect(await b.page.getByTestId('peer-row').count()).toBe(0)
  await b.context.close()
})

test('the worker answers Range requests for a playing file: 206 with the right bytes and headers, 416 past the end', async ({
  browser,
  server,
}) => {
  const a = await newPeerPage(browser)
  const link = await shareFiles(a.page, server.url, [video])
  const b = await newPeerPage(browser)
  await b.page.goto(link)
  const player = b.page.getByTestId('media-player')
  await expect(player).toBeVisible({ timeout: 15_000 })
  const src = await player.evaluate((el) => (el as HTMLVideoElement).src)
  const bytes = readFileSync(video.path)
  const capacity = 256 * 1024 - PIECE_OVERHEAD_BYTES
  const size = bytes.length
  // The boundaries tried below are those of 256 KiB pieces: the drop must have them.
  expect((await progressOf(b.page)).piecesTotal).toBe(Math.ceil(size / capacity))
  const ranges: [string, number, number][] = [
    ['bytes=0-0', 0, 1],
    [`bytes=${size - 1}-${size - 1}`, size - 1, size],
    ['bytes=-100', size - 100, size],
    [`bytes=${Math.floor(size / 2)}-${Math.floor(size / 2) + 99_999}`, Math.floor(size / 2), Math.floor(size / 2) + 100_000],
    [`bytes=${capacity - 10}-${capacity + 9}`, capacity - 10, capacity + 10],
    [`bytes=${3 * capacity - 1}-`, 3 * capacity - 1, size],
  ]
  for (const [header, start, end] of ranges) {
    const answer = await b.page.evaluate(
      async ([url, range]) => {
        const response = await fetch(url, { headers: { Range: range } })
        const body = new Uint8Array(await response.arrayBuffer())
        const h = (name: string) => response.headers.get(name)
        return {
          status: response.status,
          range: h('Content-Range'),
          length: h('Content-Length'),
          type: h('Content-Type'),
          accept: h('Accept-Ranges'),
          bodyLength: body.length,
          digest: Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', body))),
        }
      },
      [src, header] as const,
    )
    const expected = bytes.subarray(start, end)
    expect(answer.status, header).toBe(206)
    expect(answer.range, header).toBe(`bytes ${start}-${end - 1}/${size}`)
    expect(answer.length, header).toBe(String(end - start))
    expect(answer.type, header).toBe('video/webm')
    expect(answer.accept, header).toBe('bytes')
    expect(answer.bodyLength, header).toBe(end - start)
    expect(Buffer.from(answer.digest).toString('hex'), header).toBe(createHash('sha256').update(expected).digest('hex'))
  }
  const unsatisfiable = await b.page.evaluate(
    async ([url, range]) => {
      const response = await fetch(url, { headers: { Range: range } })
      return { status: response.status, range: response.headers.get('Content-Range') }
    },
    [src, `bytes=${size}-`] as const,
  )
  expect(unsatisfiable).toEqual({ status: 416, range: `bytes */${size}` })
  await b.context.close()
  await a.context.close()
})
