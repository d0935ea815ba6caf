/**
 * Blind mirrors on a real web server (nginx): `swarmdrop export` of a
 * folder into nginx roots, then browsers that download it with no peer
 * online. A mirror with one corrupted piece is dropped, one without CORS and
 * one that is down are reported, and none of them stalls or corrupts the
 * download; a browser that fetched from two mirrors and a peer at once seeds
 * the piece the others could not give. A mirror the owner publishes later
 * (`swarmdrop mirrors`) serves a browser that opens the plain link, with no
 * peer online. Neither the Swarmdrop server nor nginx ever sees the key.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { startTestServer } from './server.js'
import { freePort, startNginx } from './nginx.js'
import { collectDownloads, expect, expectNeverSent, makeFile, newPeerPage, recordTraffic, test, zipEntries } from './fixtures.js'

const MIB = 1024 * 1024

/** What the page's warnings say, once they match `pattern`. */
async function warned(page: Page, pattern: RegExp): Promise<void> {
  await expect(page.getByTestId('warnings')).toContainText(pattern, { timeout: 30_000 })
}

test('a folder exported to nginx downloads from mirrors alone; liars, CORS and dead hosts neither corrupt nor stall it', async ({
  browser,
  workDir,
}) => {
  test.setTimeout(180_000)
  const root = join(workDir, 'dataset')
  mkdirSync(join(root, 'meta'), { recursive: true })
  const files = [
    { rel: 'dataset/readings.bin', file: makeFile(root, 'readings.bin', 4 * MIB) },
    { rel: 'dataset/meta/README.txt', file: makeFile(join(root, 'meta'), 'README.txt', 2_000) },
  ]
  const expected = new Map(files.map((f) => [f.rel, f.file.sha256]))
  const sites = ['good', 'copy', 'no-cors', 'corrupt'].map((name) => join(workDir, name))
  for (const dir of sites) mkdirSync(dir)
  const nginx = await startNginx(sites.map((dir, i) => ({ root: dir, cors: i !== 2 })))
  const [good, copy, noCors, corrupt] = nginx.bases
  const down = `http://127.0.0.1:${await freePort()}/`
  const origins = nginx.bases.map((b) => new URL(b).origin).join(',')
  const server = await startTestServer(['--mirror-origins', origins])
  try {
    const link = execFileSync(
      process.execPath,
      ['cli/bin.mjs', 'export', '--out', sites[0], '--mirror', good, '--server', server.url, root],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim()
    expect(link).toMatch(new RegExp(`^${server.url}/#b[a-z2-7]{58}\\.[A-Za-z0-9_-]{43}&m=${encodeURIComponent(good)}$`))
    const bare = link.split('&')[0]
    const secret = bare.split('.').pop()!
    for (const dir of sites.slice(1)) cpSync(sites[0], dir, { recursive: true })
    // One piece of the corrupt mirror has one byte flipped.
    const cid = bare.split('#')[1].split('.')[0]
    const pieces = join(sites[3], 'swarmdrop-v1', cid, 'pieces')
    const victim = join(pieces, readdirSync(pieces)[0])
    const bytes = readFileSync(victim)
    bytes[bytes.length >> 1] ^= 0x40
    writeFileSync(victim, bytes)

    // R: the corrupt mirror, one without CORS and one that is down, and no peer online.
    const r = await newPeerPage(browser)
    const trafficR = recordTraffic(r.page)
    const savedR = collectDownloads(r.page, 1)
    await r.page.goto(`${bare}&m=${encodeURIComponent(corrupt)}&m=${encodeURIComponent(noCors)}&m=${encodeURIComponent(down)}`)
    const host = (base: string) => new URL(base).host.replace(/[.]/g, '\\.')
    await warned(r.page, new RegExp(`Mirror ${host(corrupt)}: sent pieces that fail verification`))
    await warned(r.page, new RegExp(`Mirror ${host(noCors)}: cannot be reached, or this page may not fetch from it \\(CORS or CSP\\)`))
    await warned(r.page, new RegExp(`Mirror ${host(down)}: cannot be reached`))
    await expect(r.page.getByTestId('receive-phase')).not.toHaveAttribute('data-phase', 'complete')

    // P: the link as exported (one mirror) plus a second copy; R is a peer too by now.
    const p = await newPeerPage(browser)
    const trafficP = recordTraffic(p.page)
    const savedP = collectDownloads(p.page, 1)
    await p.page.goto(`${link}&m=${encodeURIComponent(copy)}`)
    await expect(p.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 90_000 })
    expect(zipEntries((await savedP)[0].path)).toEqual(expected)
    const kinds = await p.page.getByTestId('peer-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-kind')))
    expect(kinds.filter((k) => k === 'mirror')).toHaveLength(2)
    await expect(p.page.getByTestId('peer-table')).toContainText(`mirror · ${new URL(good).host}`)

    // R gets what the corrupt mirror could not give from P, which downloaded from the mirrors: byte-exact.
    await expect(r.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 90_000 })
    expect(zipEntries((await savedR)[0].path)).toEqual(expected)

    // The key never left the pages: not to the server, not to nginx.
    for (const t of [trafficR, trafficP]) {
      expect(t.urls.some((u) => u.startsWith(good) || u.startsWith(corrupt))).toBe(true)
      expectNeverSent(t, [secret])
    }
    await r.context.close()
    await p.context.close()
  } finally {
    await server.stop()
    await nginx.stop()
  }
})

test('a mirror published after the link went out serves a browser that opens the plain link, with no peer online', async ({
  browser,
  workDir,
}) => {
  test.setTimeout(120_000)
  const src = join(workDir, 'src')
  mkdirSync(src)
  const file = makeFile(src, 'recording.bin', 3 * MIB + 5)
  const site = join(workDir, 'site')
  mkdirSync(site)
  const nginx = await startNginx([{ root: site, cors: true }])
  const [mirror] = nginx.bases
  const server = await startTestServer(['--mirror-origins', new URL(mirror).origin])
  try {
    // Exported with no --mirror: the link names none.
    const cli = (args: string[]) =>
      execFileSync(process.execPath, ['cli/bin.mjs', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    const exported = spawnCli(['export', '--out', site, '--server', server.url, join(src, 'recording.bin')])
    const link = exported.stdout.trim()
    const ownerLink = /Owner link[^:]*: (\S+)/.exec(exported.stderr)![1]
    expect(link).not.toContain('&m=')
    expect(cli(['mirrors', ownerLink, '--add', mirror])).toBe(`${mirror}\n`)

    const r = await newPeerPage(browser)
    const traffic = recordTraffic(r.page)
    const saved = collectDownloads(r.page, 1)
    await r.page.goto(link)
    await expect(r.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 90_000 })
    expect((await saved)[0].sha256).toBe(file.sha256)
    await expect(r.page.getByTestId('peer-table')).toContainText(`mirror · ${new URL(mirror).host}`)
    // The page asked the server for the list, fetched from the mirror, and sent neither secret anywhere.
    expect(traffic.wsSent.some((m) => m.includes('"mirrors-get"'))).toBe(true)
    expect(traffic.urls.some((u) => u.startsWith(mirror))).toBe(true)
    const secret = link.split('#')[1].split('.')[1]
    const revokeSecret = ownerLink.split('.r.')[1].split('&')[0]
    expectNeverSent(traffic, [secret, revokeSecret])
    await r.context.close()
  } finally {
    await server.stop()
    await nginx.stop()
  }
})

test('the owner edits the published mirrors in the page of an owner link; a browser with the plain link downloads from them alone', async ({
  browser,
  workDir,
}) => {
  test.setTimeout(120_000)
  const src = join(workDir, 'src')
  mkdirSync(src)
  const file = makeFile(src, 'scan.bin', 2 * MIB + 9)
  const sites = ['first', 'second'].map((name) => join(workDir, name))
  for (const dir of sites) mkdirSync(dir)
  const nginx = await startNginx(sites.map((root) => ({ root, cors: true })))
  const [first, second] = nginx.bases
  const server = await startTestServer(['--mirror-origins', nginx.bases.map((b) => new URL(b).origin).join(',')])
  try {
    const exported = spawnCli(['export', '--out', sites[0], '--mirror', first, '--server', server.url, join(src, 'scan.bin')])
    cpSync(sites[0], sites[1], { recursive: true })
    const ownerLink = /Owner link[^:]*: (\S+)/.exec(exported.stderr)![1]
    const plain = exported.stdout.trim().split('&')[0]

    const owner = await newPeerPage(browser)
    await owner.page.goto(ownerLink)
    await expect(owner.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 60_000 })
    const editor = owner.page.getByTestId('mirror-list')
    await expect(editor.getByTestId('mirror-row')).toHaveCount(0)
    await editor.getByTestId('mirror-url').fill('ftp://files.example/')
    await editor.getByTestId('mirror-add').click()
    await expect(editor.getByTestId('mirror-add-error')).toContainText('a mirror is an http or https URL')
    await editor.getByTestId('mirror-url').fill(second.slice(0, -1))
    await editor.getByTestId('mirror-add').click()
    await expect(editor.getByTestId('mirror-row')).toHaveText([`${second} Remove`])
    await editor.getByTestId('mirrors-publish').click()
    await expect(editor.getByTestId('mirrors-published')).toHaveText('Published 1 mirror. The link stays the same.')
    await owner.context.close()

    // The plain link names no mirror and the owner is gone: only the published mirror can serve it.
    const r = await newPeerPage(browser)
    const saved = collectDownloads(r.page, 1)
    await r.page.goto(plain)
    await expect(r.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 60_000 })
    expect((await saved)[0].sha256).toBe(file.sha256)
    await expect(r.page.getByTestId('peer-table')).toContainText(`mirror · ${new URL(second).host}`)
    await expect(r.page.getByTestId('peer-table')).not.toContainText(`mirror · ${new URL(first).host}`)
    await r.context.close()
  } finally {
    await server.stop()
    await nginx.stop()
  }
})

/** Runs the CLI to its end: its stdout and stderr. */
function spawnCli(args: string[]): { stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['cli/bin.mjs', ...args], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`swarmdrop ${args[0]} exited ${run.status}: ${run.stderr}`)
  return { stdout: run.stdout, stderr: run.stderr }
}
