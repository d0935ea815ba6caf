/**
 * Downloads that finish whatever happens: the only seeder leaves and comes
 * back, the downloader reloads, the server dies, a peer serves garbage.
 * Senders cap their upload rate (a user setting) so each event lands mid-transfer.
 */
import type { Browser, Page } from '@playwright/test'
import { startTestServer } from './server.js'
import {
  collectDownloads,
  expect,
  makeFile,
  newPeerPage,
  peerPieces,
  progressOf,
  setUploadLimit,
  shareFiles,
  corruptStoredChunks,
  storedChunks,
  test,
  type TestFile,
  waitForProgress,
} from './fixtures.js'

const MIB = 1024 * 1024

/** Page A shares `file` with its upload capped, so what happens next lands mid-transfer. */
async function shareCapped(browser: Browser, serverUrl: string, file: TestFile, mibPerSecond: number) {
  const a = await newPeerPage(browser)
  await a.page.goto(serverUrl + '/')
  await setUploadLimit(a.page, mibPerSecond)
  return { a, link: await shareFiles(a.page, serverUrl, [file]) }
}

/** A page already open on the app and online: opening a link later is a quick hash change, not a page load. */
async function onlinePeerPage(browser: Browser, serverUrl: string) {
  const peer = await newPeerPage(browser)
  await peer.page.goto(serverUrl + '/')
  await expect(peer.page.getByTestId('server-status')).toHaveText('Online')
  return peer
}

/**
 * Nothing connected can make progress: both pages hold the same stored pieces,
 * neither is complete, and each is the other's only peer.
 */
async function stalledTogether(b: Page, c: Page): Promise<boolean> {
  const [pb, pc, peersB, peersC, heldB, heldC] = await Promise.all([
    progressOf(b),
    progressOf(c),
    peerPieces(b),
    peerPieces(c),
    storedChunks(b),
    storedChunks(c),
  ])
  const same = heldB.keys.length === heldC.keys.length && heldB.keys.every((k) => heldC.keys.includes(k))
  return (
    same &&
    [pb, pc].every((p) => p.phase === 'downloading' && p.piecesDone < p.piecesTotal) &&
    pb.piecesDone === pc.piecesDone &&
    peersB.length === 1 &&
    peersC.length === 1 &&
    peersB[0] === pc.piecesDone &&
    peersC[0] === pb.piecesDone
  )
}

test('the only complete seeder leaves; its pieces come back with it and every download completes', async ({ browser, server, workDir }) => {
  // B and C are open first, so the joins below are quick.
  const b = await onlinePeerPage(browser, server.url)
  const c = await onlinePeerPage(browser, server.url)
  const file = makeFile(workDir, 'dataset.bin', 12 * MIB)
  // A trickles (0.25 MiB/s: 48 s for the file), so A leaves with most pieces unsent however slow the machine.
  const { a, link } = await shareCapped(browser, server.url, file, 0.25)

  const savedB = collectDownloads(b.page, 1)
  await b.page.goto(link)
  await waitForProgress(b.page, (p) => p.piecesTotal > 0 && p.piecesDone >= 2)

  const savedC = collectDownloads(c.page, 1)
  await c.page.goto(link)
  await expect(c.page.getByTestId('peer-row')).toHaveCount(2)
  await a.page.close()

  // Only B's and C's pieces exist now: C gets B's (and B gets C's), then both wait.
  const stalledB = await waitForProgress(b.page, (p) => p.phase === 'downloading' && p.piecesDone < p.piecesTotal)
  await waitForProgress(c.page, (p) => p.piecesDone >= stalledB.piecesDone)
  await expect.poll(() => stalledTogether(b.page, c.page), { timeout: 60_000, intervals: [100] }).toBe(true)
  expect((await progressOf(c.page)).phase).toBe('downloading')

  // A opens Swarmdrop again (any page): its library seeds the drop, now at full speed, and both finish.
  const back = await a.context.newPage()
  await back.goto(server.url + '/')
  await setUploadLimit(back, null)
  await expect(back.getByTestId('library-item')).toHaveCount(1)
  await waitForProgress(c.page, (p) => p.phase === 'complete', 90_000)
  await waitForProgress(b.page, (p) => p.phase === 'complete', 90_000)
  expect((await savedC)[0]).toMatchObject({ name: file.name, sha256: file.sha256 })
  expect((await savedB)[0]).toMatchObject({ name: file.name, sha256: file.sha256 })
})

test('a reload at half way resumes from stored pieces', async ({ browser, server, workDir }) => {
  const file = makeFile(workDir, 'video.mp4', 16 * MIB)
  const { link } = await shareCapped(browser, server.url, file, 4)

  const b = await newPeerPage(browser)
  await b.page.goto(link)
  const before = await waitForProgress(b.page, (p) => p.piecesTotal > 0 && p.piecesDone >= p.piecesTotal / 2)
  const saved = collectDownloads(b.page, 1) // the save that started with the first load ends with it
  await b.page.reload()
  const done = await waitForProgress(b.page, (p) => p.phase === 'complete', 90_000)
  console.log(
    `reload at ${before.piecesDone}/${before.piecesTotal} pieces: received ${(done.bytesDown / MIB).toFixed(2)} MiB ` +
      `after the reload for a ${(file.size / MIB).toFixed(0)} MiB file (${((100 * done.bytesDown) / file.size).toFixed(0)}%)`,
  )
  expect(done.bytesDown).toBeLessThan(0.6 * file.size)
  expect((await saved)[0]).toMatchObject({ name: file.name, sha256: file.sha256 })
})

test('the server is killed and restarted mid-download; the download completes', async ({ browser, server, workDir }) => {
  const file = makeFile(workDir, 'backup.tar', 12 * MIB)
  const { link } = await shareCapped(browser, server.url, file, 3)

  const b = await newPeerPage(browser)
  const saved = collectDownloads(b.page, 1)
  await b.page.goto(link)
  await waitForProgress(b.page, (p) => p.piecesTotal > 0 && p.piecesDone >= p.piecesTotal / 4)
  await server.kill()
  await expect(b.page.getByTestId('server-status')).toHaveText('Connecting to server…')
  const during = await progressOf(b.page)
  await waitForProgress(b.page, (p) => p.piecesDone > during.piecesDone) // still flowing peer to peer
  const restarted = await startTestServer([], server.port)
  try {
    await expect(b.page.getByTestId('server-status')).toHaveText('Online', { timeout: 30_000 })
    await waitForProgress(b.page, (p) => p.phase === 'complete', 90_000)
    expect((await saved)[0]).toMatchObject({ name: file.name, sha256: file.sha256 })
    // A newcomer finds both through the restarted server: A and B announced again.
    const c = await newPeerPage(browser)
    await c.page.goto(link)
    await expect(c.page.getByTestId('peer-row')).toHaveCount(2, { timeout: 30_000 })
  } finally {
    await restarted.stop()
  }
})

test('a peer that serves garbage is dropped and the file is still byte-exact', async ({ browser, server, workDir }) => {
  const file = makeFile(workDir, 'paper.pdf', 8 * MIB)
  const { link } = await shareCapped(browser, server.url, file, 3)

  // D downloads everything, then its stored pieces are overwritten with garbage.
  const d = await newPeerPage(browser)
  await d.page.goto(link)
  await waitForProgress(d.page, (p) => p.phase === 'complete', 60_000)
  const corrupted = await corruptStoredChunks(d.page)
  // Served from the store again (not from the pieces the page still has in memory).
  await d.page.reload()
  await expect(d.page.getByTestId('server-status')).toHaveText('Online')
  expect(corrupted).toBe(32)

  const c = await newPeerPage(browser)
  const saved = collectDownloads(c.page, 1)
  await c.page.goto(link)
  await waitForProgress(c.page, (p) => p.phase === 'complete', 90_000)
  expect((await saved)[0]).toMatchObject({ name: file.name, sha256: file.sha256 })
  await expect(c.page.getByTestId('warnings')).toContainText('failed verification')
  await expect(c.page.getByTestId('warnings')).toContainText('that peer was dropped')
  await expect(c.page.getByTestId('peer-row')).toHaveCount(1)
})
