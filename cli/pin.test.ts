/**
 * Pin nodes as real processes next to a real server: replication to `r`
 * nodes, re-replication when one is killed, downloads from pin nodes alone,
 * a store that holds no plaintext and no secret, and the size and age limits.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { useTestServers } from '../signal-server/test-client.js'
import { type CliProcess, runCli, sha256File, writeRandomFile } from './cli.fixtures.js'
import { useCliRuns } from './cli-test-runs.js'
import { EXIT } from './exit-codes.js'

const { start } = useTestServers()
const PIN_TOKEN = 'a pin token'
const { dir, start: startCli } = useCliRuns()

async function pinNode(serverUrl: string, extra: string[] = []): Promise<CliProcess & { store: string }> {
  const store = dir()
  const p = startCli(['pin', '--server', serverUrl, '--store', store, '--token', PIN_TOKEN, ...extra])
  await p.waitFor(/Pin node running/)
  return Object.assign(p, { store })
}

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** Every 16-byte window of `plain` (at every offset) that occurs anywhere in `haystack`. */
function sharedWindows(plain: Buffer, haystack: Buffer): number {
  const windows = new Set<string>()
  for (let i = 0; i + 16 <= plain.length; i++) windows.add(plain.toString('latin1', i, i + 16))
  let found = 0
  for (let i = 0; i + 16 <= haystack.length; i++) if (windows.has(haystack.toString('latin1', i, i + 16))) found++
  return found
}

describe('pin nodes', () => {
  it('keep r = 2 copies, replace a killed one, serve the file alone, and hold no plaintext or secret', async () => {
    const server = await start({ pinReplicas: 2, pinHeartbeatMs: 300, pinToken: PIN_TOKEN })
    const nodes = [await pinNode(server.url), await pinNode(server.url)]
    const src = dir()
    const plain = writeRandomFile(join(src, 'dataset.bin'), 256 * 1024 + 7)
    const sharer = startCli(['share', '--server', server.url, '--store', dir(), '--pin', '--until-pinned', join(src, 'dataset.bin')])
    const [link] = await sharer.waitFor(/^http\S+#\S+$/m)
    const cid = link.split('#')[1].split('.')[0]
    expect(await sharer.exited).toBe(EXIT.ok) // exits once both pin nodes hold every piece
    expect(sharer.stderr()).toMatch(/Pinned: 2 of 2 pin node copies complete/)
    for (const n of nodes) await n.waitFor(new RegExp(`holding all of ${cid}`))

    const secret = link.split('#')[1].split('.')[1]
    for (const n of nodes) {
      const stored = Buffer.concat(filesUnder(n.store).map((f) => readFileSync(f)))
      expect(stored.length).toBeGreaterThan(plain.length)
      expect(sharedWindows(plain, stored), 'plaintext windows in the pin store').toBe(0)
      expect(stored.includes(Buffer.from(secret, 'base64url')), 'raw secret in the pin store').toBe(false)
      expect(stored.includes(Buffer.from(secret)), 'secret text in the pin store').toBe(false)
    }

    nodes[0].child.kill('SIGKILL')
    const third = await pinNode(server.url)
    await third.waitFor(new RegExp(`holding all of ${cid}`), 20_000) // the audit restored two copies
    const out = dir()
    const got = await runCli(['get', '-o', out, '--timeout', '30', link])
    expect(got.code).toBe(EXIT.ok)
    expect(sha256File(join(out, 'dataset.bin'))).toBe(sha256File(join(src, 'dataset.bin')))
  }, 60_000)

  it('are refused by a server without a matching --pin-token, with a clear message and exit code', async () => {
    const server = await start({ pinToken: PIN_TOKEN })
    const wrong = await runCli(['pin', '--server', server.url, '--store', dir(), '--token', 'guess'])
    expect(wrong).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringMatching(/refused this pin node: pin nodes need this server’s pin token/),
    })
    expect(server.hub.pinNodeCount).toBe(0)
  }, 60_000)

  it('refuse a drop over --max-bytes with a clear message', async () => {
    const server = await start({ pinReplicas: 1, pinHeartbeatMs: 300, pinToken: PIN_TOKEN })
    const node = await pinNode(server.url, ['--max-bytes', '100k'])
    const src = dir()
    writeRandomFile(join(src, 'big.bin'), 300_000)
    startCli(['share', '--server', server.url, '--store', dir(), '--pin', join(src, 'big.bin')])
    const [message] = await node.waitFor(/refused \S+: .*may hold at most 100 KiB \(--max-bytes\).*/)
    expect(message).toMatch(/needs 512 KiB more/) // two sealed 256 KiB pieces
    expect(filesUnder(node.store).filter((f) => f.includes('chunks'))).toHaveLength(0) // the manifest fetched to decide is deleted too
  }, 60_000)

  it('hold at most 10 GiB for at most 30 days unless told otherwise, and 0 means no limit', async () => {
    const server = await start({ pinToken: PIN_TOKEN })
    const byDefault = await pinNode(server.url)
    expect(byDefault.stderr()).toMatch(/holding 0 drops \(0 B; at most 10\.0 GiB, pins kept 30 days\)/)
    const unlimited = await pinNode(server.url, ['--max-bytes', '0', '--max-age', '0'])
    expect(unlimited.stderr()).toMatch(/holding 0 drops \(0 B; no size limit, no age limit\)/)
    expect((await runCli(['pin', '--help'])).stdout).toMatch(/default 10G,\s+0: no limit\).*\n.*default 30, 0: no limit/)
    const negative = await runCli(['pin', '--server', server.url, '--store', dir(), '--token', PIN_TOKEN, '--max-age=-1'])
    expect(negative).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/--max-age must be a number of days/) })
  }, 60_000)
})
