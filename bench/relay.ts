/**
 * Relay benchmark: one file from page A to page B through the server relay
 * (pages without a direct path) next to the same file over direct WebRTC, in
 * one run. Prints MiB/s for both and the server's CPU seconds per GiB.
 *
 *   npm run bench -- relay            256 MiB
 *   npm run bench -- relay --quick    16 MiB
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer } from '../e2e/server.js'
import { MIB, cpuSeconds, download, launch, pagePair, randomFile, share, table } from './lib.js'

export async function relayBench(quick: boolean): Promise<void> {
  const size = (quick ? 16 : 256) * MIB
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-bench-'))
  const file = randomFile(join(dir, 'payload.bin'), size)
  const server = await startTestServer(['--relay-after=500'])
  const browser = await launch()
  const rows: Record<string, string | number>[] = []
  try {
    for (const mode of ['direct', 'relay'] as const) {
      const pair = await pagePair(browser, mode === 'direct')
      await pair.sender.goto(server.url + '/')
      const link = await share(pair.sender, file)
      const cpuBefore = cpuSeconds(server.pid)
      const seconds = await download(pair.receiver, link)
      const cpu = cpuSeconds(server.pid) - cpuBefore
      const kind = await pair.receiver.getByTestId('peer-row').first().getAttribute('data-kind')
      if (kind !== (mode === 'direct' ? 'direct' : 'relay')) throw new Error(`${mode} run used a ${kind} link`)
      rows.push({
        link: mode,
        MiB: size / MIB,
        seconds: seconds.toFixed(2),
        'MiB/s': (size / MIB / seconds).toFixed(1),
        'server CPU s': cpu.toFixed(2),
        'server CPU s/GiB': ((cpu * 1024 * MIB) / size).toFixed(2),
      })
      await pair.close()
    }
  } finally {
    await browser.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`\nRelay vs direct WebRTC, ${size / MIB} MiB, link opened → file verified and saved\n`)
  console.log(table(rows))
  const ratio = Number(rows[1]['MiB/s']) / Number(rows[0]['MiB/s'])
  console.log(`\nrelay ÷ direct: ${ratio.toFixed(2)}×`)
}
