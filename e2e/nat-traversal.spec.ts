/**
 * Connecting peers that cannot reach each other directly: through a real
 * coturn with short-lived credentials, or through the server's own relay.
 * Neither path lets the server see the link's secret or the file's bytes.
 */
import type { Browser } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { startCoturn } from './coturn.js'
import { startTestServer } from './server.js'
import { collectDownloads, expect, makeFile, newPeerPage, recordTraffic, shareFiles, test, type Traffic } from './fixtures.js'

const MIB = 1024 * 1024
const SECRET = 'coturn-shared-secret-for-tests'

/** Nothing a page sent to the server holds the link secret or any 16-byte window of the file. */
function expectNothingLeaked(traffic: Traffic[], secret: string, plain: Buffer) {
  const windows = new Set<string>()
  for (let i = 0; i + 16 <= plain.length; i += 16) windows.add(plain.subarray(i, i + 16).toString('hex'))
  let binaryBytes = 0
  for (const t of traffic) {
    for (const text of [...t.urls, ...t.wsSent]) expect(text.includes(secret)).toBe(false)
    for (const bin of t.wsSentBinary) {
      binaryBytes += bin.length
      expect(bin.includes(Buffer.from(secret))).toBe(false)
      // Every 16-byte run of the plaintext contains a 16-aligned window's first byte within 16 bytes,
      // so checking every offset of the frame against the aligned windows finds any leaked run of 31+.
      for (let i = 0; i + 16 <= bin.length; i++) {
        if (windows.has(bin.subarray(i, i + 16).toString('hex'))) throw new Error(`plaintext found in a relayed frame at ${i}`)
      }
    }
  }
  return binaryBytes
}

async function transfer(browser: Browser, serverUrl: string, dir: string, size: number, options: { media: boolean }) {
  const file = makeFile(dir, 'secret-plans.bin', size)
  const contextOptions = options.media ? {} : { permissions: [] as string[] }
  const a = await browser.newContext(contextOptions).then(async (context) => ({ context, page: await context.newPage() }))
  const b = await browser.newContext(contextOptions).then(async (context) => ({ context, page: await context.newPage() }))
  const traffic = [recordTraffic(a.page), recordTraffic(b.page)]
  const link = await shareFiles(a.page, serverUrl, [file])
  const saved = collectDownloads(b.page, 1)
  await b.page.goto(link)
  await expect(b.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 90_000 })
  expect((await saved)[0]).toMatchObject({ name: file.name, sha256: file.sha256 })
  return { a, b, file, link, traffic }
}

test('pages forced to relay-only ICE transfer through a real coturn with minted credentials', async ({ browser, workDir }) => {
  const turn = await startCoturn(SECRET)
  const server = await startTestServer([`--turn-urls=${turn.url}`, '--ice-transport-policy=relay', '--relay=off'], 0, {
    TURN_SECRET: SECRET,
  })
  try {
    const { b, file, link, traffic } = await transfer(browser, server.url, workDir, 6 * MIB, { media: true })
    // The app reads the selected candidate pair from getStats: a relay candidate means TURN.
    await expect(b.page.getByTestId('peer-row')).toHaveAttribute('data-kind', 'turn')
    await expect(b.page.getByTestId('peer-row')).toContainText('via TURN')
    expectNothingLeaked(traffic, link.split('.').pop()!, readFileSync(file.path))
  } finally {
    await server.stop()
    await turn.stop()
  }
})

test('a wrong TURN secret is reported in words on the connection check', async ({ browser }) => {
  const turn = await startCoturn(SECRET)
  const server = await startTestServer([`--turn-urls=${turn.url}`], 0, { TURN_SECRET: 'not-the-secret' })
  try {
    const { page } = await newPeerPage(browser)
    await page.goto(server.url + '/check')
    const findings = page.getByTestId('findings')
    await expect(findings).toContainText('Connected to the Swarmdrop server', { timeout: 20_000 })
    await expect(findings.locator('[data-severity="error"]')).toContainText('TURN rejected the credentials (401')
    await expect(findings).toContainText('--turn-secret')
  } finally {
    await server.stop()
    await turn.stop()
  }
  // And with the right secret the same check says TURN works.
  const right = await startCoturn(SECRET)
  const ok = await startTestServer([`--turn-urls=${right.url}`], 0, { TURN_SECRET: SECRET })
  try {
    const { page } = await newPeerPage(browser)
    await page.goto(ok.url + '/check')
    await expect(page.getByTestId('findings')).toContainText('TURN works', { timeout: 20_000 })
  } finally {
    await ok.stop()
    await right.stop()
  }
})

test('with no direct path at all, the transfer goes through the server relay, encrypted', async ({ browser, workDir }) => {
  const server = await startTestServer(['--relay-after=1000'])
  try {
    // Without media permission Chromium offers no loopback candidate: ICE cannot find any path.
    const { b, file, link, traffic } = await transfer(browser, server.url, workDir, 8 * MIB, { media: false })
    await expect(b.page.getByTestId('peer-row')).toHaveAttribute('data-kind', 'relay')
    await expect(b.page.getByTestId('relayed-bytes')).toBeVisible()
    const relayed = Number(await b.page.getByTestId('relayed-bytes').getAttribute('data-bytes'))
    expect(relayed).toBeGreaterThan(file.size)
    const sentBinary = expectNothingLeaked(traffic, link.split('.').pop()!, readFileSync(file.path))
    expect(sentBinary).toBeGreaterThan(file.size) // the sealed pieces did cross the server, as relay frames
  } finally {
    await server.stop()
  }
})
