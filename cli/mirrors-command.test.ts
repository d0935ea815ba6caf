/**
 * `swarmdrop mirrors` as a real process against a real server: the owner
 * publishes a mirror the link does not name, and `get` with the plain link
 * and no peer online downloads from it byte-exact; a pin node asked to keep
 * the drop fetches it from the published mirror too, blind. Then what the
 * command refuses, with get's exit codes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { useTestServers } from '../signal-server/test-client.js'
import { type CliProcess, freePort, runCli, sha256File, writeRandomFile } from './cli.fixtures.js'
import { useCliRuns } from './cli-test-runs.js'
import { type DirMirror, serveDir } from './http-mirror.fixtures.js'
import { EXIT } from './exit-codes.js'

const { start, client } = useTestServers()
const { dir, start: startCli } = useCliRuns()
const PIN_TOKEN = 'a pin token'
const mirrors: DirMirror[] = []
afterEach(() => mirrors.splice(0).forEach((m) => m.close()))

/** Exports a folder of one file (no --mirror: the link names none) and serves the output over HTTP. */
async function exported(serverUrl: string, size: number, seed: number) {
  const work = dir()
  writeRandomFile(join(work, 'in', 'survey.bin'), size, seed)
  const site = join(work, 'site')
  const out = await runCli(['export', '--out', site, '--server', serverUrl, join(work, 'in')])
  expect(out.code, out.stderr).toBe(EXIT.ok)
  const link = out.stdout.trim()
  const ownerLink = /Owner link[^:]*: (\S+)/.exec(out.stderr)![1]
  const host = await serveDir(site)
  mirrors.push(host)
  return { work, link, ownerLink, host, cid: link.split('#')[1].split('.')[0] }
}

const pieceRequests = (m: DirMirror) => m.requests.filter((p) => p.includes('/pieces/')).length

describe('swarmdrop mirrors', () => {
  it('publishes a mirror the link does not name; get with the plain link and no peer online downloads from it byte-exact', async () => {
    const server = await start()
    const { work, link, ownerLink, host } = await exported(server.url, 300_000, 21)
    expect(link).not.toContain('&m=')

    const published = await runCli(['mirrors', ownerLink, '--add', host.base.slice(0, -1)])
    expect(published.code, published.stderr).toBe(EXIT.ok)
    expect(published.stdout.trim()).toBe(host.base)
    expect(published.stderr).toMatch(/1 mirror published for this drop \(list number \d+\)\. The link stays the same\./)

    const got = await runCli(['get', '-o', join(work, 'out'), '--timeout', '30', link])
    expect(got.code, got.stderr).toBe(EXIT.ok)
    expect(sha256File(join(work, 'out', 'in', 'survey.bin'))).toBe(sha256File(join(work, 'in', 'survey.bin')))
    expect(pieceRequests(host)).toBeGreaterThan(0)

    // Read-only, the manifest now comes from the published mirror itself.
    const shown = await runCli(['mirrors', ownerLink])
    expect(shown).toMatchObject({ code: EXIT.ok, stdout: `${host.base}\n` })
    const removed = await runCli(['mirrors', ownerLink, '--remove', host.base, '--remove', 'https://never.example/'])
    expect(removed.code, removed.stderr).toBe(EXIT.ok)
    expect(removed.stdout).toBe('')
    expect(removed.stderr).toMatch(/Not in the published list: https:\/\/never\.example\/\n0 mirrors published/)
  }, 90_000)

  it('a pin node asked to keep the drop fetches it from the published mirror with no peer online, and then serves it alone', async () => {
    const server = await start({ pinReplicas: 1, pinHeartbeatMs: 300, pinToken: PIN_TOKEN })
    const { work, link, ownerLink, host, cid } = await exported(server.url, 400_000, 22)
    expect((await runCli(['mirrors', ownerLink, '--add', host.base])).code).toBe(EXIT.ok)
    const node: CliProcess = startCli(['pin', '--server', server.url, '--store', dir(), '--token', PIN_TOKEN])
    await node.waitFor(/Pin node running/)
    // A member that holds nothing asks for the pin: the only source is the published mirror.
    const asker = await client(server)
    asker.send({ type: 'announce', cid })
    await asker.next()
    asker.send({ type: 'pin', cid })
    await node.waitFor(new RegExp(`holding all of ${cid}`), 30_000)
    expect(pieceRequests(host)).toBeGreaterThan(0)
    asker.ws.close()
    mirrors.splice(0).forEach((m) => m.close()) // the mirror goes away: the pin node alone has the drop now

    const got = await runCli(['get', '-o', join(work, 'out'), '--timeout', '30', link])
    expect(got.code, got.stderr).toBe(EXIT.ok)
    expect(sha256File(join(work, 'out', 'in', 'survey.bin'))).toBe(sha256File(join(work, 'in', 'survey.bin')))
  }, 90_000)

  it('refuses a link that is not an owner link, a bad URL and an unreachable server, with get’s exit codes', async () => {
    const server = await start()
    const { link, ownerLink, host } = await exported(server.url, 20_000, 23)
    expect(await runCli(['mirrors', link, '--add', host.base])).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringMatching(/not an owner link/),
    })
    expect(await runCli(['mirrors', ownerLink, '--add', 'ftp://host.example/'])).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringMatching(/--add ftp:\/\/host\.example\/: a mirror is an http or https URL/),
    })
    const nowhere = `http://127.0.0.1:${await freePort()}`
    const unreachable = await runCli(['mirrors', ownerLink, '--server', nowhere, '--connect-timeout', '1', '--add', host.base])
    expect(unreachable.code).toBe(EXIT.serverUnreachable)
    // Nowhere to get the manifest from (no peer, no mirror): it says so and fails.
    const lost = await runCli(['mirrors', ownerLink, '--timeout', '2', '--add', 'http://127.0.0.1:9/'])
    expect(lost).toMatchObject({ code: EXIT.failed, stderr: expect.stringMatching(/manifest did not arrive in 2 s/) })
    expect((await runCli(['mirrors', '--help'])).stdout).toMatch(/published list is plaintext/)
  }, 90_000)
})
