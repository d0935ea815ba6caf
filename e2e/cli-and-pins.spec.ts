import { join } from 'node:path'
import { startTestServer } from './server.js'
import { type CliProcess, runCli, startCli, tempDir } from '../cli/cli.fixtures.js'
import { EXIT } from '../cli/exit-codes.js'
import { collectDownloads, expect, makeFile, newPeerPage, sha256File, shareFiles, test } from './fixtures.js'

const MIB = 1024 * 1024
const running: CliProcess[] = []
test.afterEach(async () => {
  for (const p of running.splice(0)) {
    p.child.kill('SIGKILL')
    await p.exited
  }
})

function mibPerSecond(bytes: number, ms: number): string {
  return (bytes / MIB / (ms / 1000)).toFixed(1)
}

test('a browser-shared link is fetched with `swarmdrop get`, and a CLI-shared file by a browser, byte-exact', async ({
  browser,
  server,
  workDir,
}) => {
  // Browser → CLI
  const fromBrowser = makeFile(workDir, 'from-browser.bin', 64 * MIB)
  const sender = await newPeerPage(browser)
  const link = await shareFiles(sender.page, server.url, [fromBrowser])
  const out = tempDir()
  const started = Date.now()
  const got = await runCli(['get', '-o', out, link])
  const tookGet = Date.now() - started
  expect(got.code, got.stderr).toBe(EXIT.ok)
  expect(sha256File(join(out, 'from-browser.bin'))).toBe(fromBrowser.sha256)
  console.log(
    `browser → CLI: 64 MiB in ${(tookGet / 1000).toFixed(2)} s = ${mibPerSecond(64 * MIB, tookGet)} MiB/s (process start to files written)`,
  )
  console.log(`  the CLI's own figure: ${/Verified .*/.exec(got.stderr)?.[0]}`)

  // CLI → browser
  const fromCli = makeFile(workDir, 'from-cli.bin', 64 * MIB)
  const sharer = startCli(['share', '--server', server.url, '--store', tempDir(), fromCli.path])
  running.push(sharer)
  const [cliLink] = await sharer.waitFor(/^http\S+#\S+$/m, 60_000)
  const receiver = await newPeerPage(browser)
  const saved = collectDownloads(receiver.page, 1)
  const opened = Date.now()
  await receiver.page.goto(cliLink)
  await expect(receiver.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 90_000 })
  const tookOpen = Date.now() - opened
  const [file] = await saved
  expect(file.name).toBe('from-cli.bin')
  expect(file.sha256).toBe(fromCli.sha256)
  await expect(receiver.page.getByTestId('peer-row').first()).toHaveAttribute('data-kind', 'direct')
  console.log(
    `CLI → browser: 64 MiB in ${(tookOpen / 1000).toFixed(2)} s = ${mibPerSecond(64 * MIB, tookOpen)} MiB/s (link opened to every piece verified)`,
  )
})

test('a page shares and pins a file and closes; a fresh browser downloads it from the pin node alone', async ({ browser, workDir }) => {
  const server = await startTestServer(['--pin-replicas', '1', '--pin-heartbeat', '500', '--pin-token', 'e2e-pin-token'])
  try {
    const store = tempDir()
    const pinNode = startCli(['pin', '--server', server.url, '--store', store, '--token', 'e2e-pin-token'])
    running.push(pinNode)
    await pinNode.waitFor(/Pin node running/)

    const file = makeFile(workDir, 'keep-me.pdf', 6 * MIB)
    const sender = await newPeerPage(browser)
    const link = await shareFiles(sender.page, server.url, [file])
    await sender.page.getByTestId('pin').click()
    await expect(sender.page.getByTestId('pin-status')).toHaveAttribute('data-pinned', 'true', { timeout: 60_000 })
    await expect(sender.page.getByTestId('pin-status')).toContainText('1 pin node hold every piece')
    await sender.context.close()

    const receiver = await newPeerPage(browser)
    const saved = collectDownloads(receiver.page, 1)
    await receiver.page.goto(link)
    await expect(receiver.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 60_000 })
    expect((await saved)[0].sha256).toBe(file.sha256)
    await expect(receiver.page.getByTestId('peer-row')).toHaveCount(1) // the pin node: the sender is gone
    expect(pinNode.stderr()).toMatch(/holding all of bafkrei/)
  } finally {
    await server.stop()
  }
})
