/**
 * Command-line peer benchmark: one file browser → CLI, CLI → browser and
 * CLI → CLI, next to browser → browser in the same run (the baseline).
 * Browser-side times run from opening the link to the file verified and
 * saved; CLI-side from starting `swarmdrop get` to the files written.
 *
 *   npm run bench -- cli            256 MiB
 *   npm run bench -- cli --quick    16 MiB
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer } from '../e2e/server.js'
import { runCli, startCli } from '../cli/cli.fixtures.js'
import { MIB, download, launch, pagePair, randomFile, sha256File, share, table } from './lib.js'

export async function cliBench(quick: boolean): Promise<void> {
  const size = (quick ? 16 : 256) * MIB
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-bench-'))
  const file = randomFile(join(dir, 'payload.bin'), size)
  const expected = await sha256File(file)
  const server = await startTestServer()
  const browser = await launch()
  const rows: Record<string, string | number>[] = []
  const row = (path: string, seconds: number) =>
    rows.push({ path, MiB: size / MIB, seconds: seconds.toFixed(2), 'MiB/s': (size / MIB / seconds).toFixed(1) })

  /** `swarmdrop get` into a fresh directory; returns seconds. */
  const cliGet = async (link: string) => {
    const out = mkdtempSync(join(dir, 'out-'))
    const started = performance.now()
    const got = await runCli(['get', '-o', out, link])
    const seconds = (performance.now() - started) / 1000
    if (got.code !== 0 || (await sha256File(join(out, 'payload.bin'))) !== expected) throw new Error(`get failed: ${got.stderr}`)
    rmSync(out, { recursive: true, force: true })
    return seconds
  }
  /** `swarmdrop share` seeding until killed; returns its link. */
  const cliShare = async () => {
    const sharer = startCli(['share', '--server', server.url, '--store', mkdtempSync(join(dir, 'store-')), file])
    const [link] = await sharer.waitFor(/^http\S+#\S+$/m, 600_000)
    return { link, stop: () => sharer.child.kill('SIGKILL') }
  }

  try {
    const pair = await pagePair(browser, true)
    await pair.sender.goto(server.url + '/')
    const browserLink = await share(pair.sender, file)
    row('browser → browser (baseline)', await download(pair.receiver, browserLink, expected))
    row('browser → CLI', await cliGet(browserLink))
    await pair.close()

    const cli = await cliShare()
    const receiver = await pagePair(browser, true)
    row('CLI → browser', await download(receiver.receiver, cli.link, expected))
    await receiver.close()
    row('CLI → CLI', await cliGet(cli.link))
    cli.stop()
  } finally {
    await browser.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  const base = Number(rows[0]['MiB/s'])
  for (const r of rows) r['÷ baseline'] = `${(Number(r['MiB/s']) / base).toFixed(2)}×`
  console.log(`\nCommand-line peer, ${size / MIB} MiB, direct WebRTC (node-datachannel on the CLI side)\n`)
  console.log(table(rows))
}
