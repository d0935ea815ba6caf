/**
 * The `swarmdrop` command end to end in Node: real processes, a real server,
 * WebRTC between them through node-datachannel on loopback.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { readdirSync, statSync, symlinkSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { useTestServers } from '../signal-server/test-client.js'
import { runCli, sha256File, writeRandomFile } from './cli.fixtures.js'
import { useCliRuns } from './cli-test-runs.js'
import { EXIT } from './exit-codes.js'

const { start } = useTestServers()
const { dir, start: startCli } = useCliRuns()

async function sharing(serverUrl: string, paths: string[], extra: string[] = []) {
  const p = startCli(['share', '--server', serverUrl, '--store', dir(), ...extra, ...paths])
  const [link] = await p.waitFor(/^http\S+#\S+$/m)
  return { process: p, link }
}

describe('swarmdrop CLI', () => {
  it('shares a folder and gets it back byte-exact, paths and all', async () => {
    const server = await start()
    const src = dir()
    const files = { 'data/big.bin': 5_000_000, 'data/nested/deeper/small.txt': 10, 'data/empty': 0 }
    for (const [path, size] of Object.entries(files)) writeRandomFile(join(src, path), size, size + 1)
    const { link } = await sharing(server.url, [join(src, 'data')])
    expect(link).toMatch(new RegExp(`^${server.url}/#bafkrei[a-z2-7]{52}\\.[A-Za-z0-9_-]{43}$`))
    const out = dir()
    const got = await runCli(['get', '-o', out, link])
    expect(got.stderr).toMatch(/Verified 4\.77 MiB/)
    expect(got.code).toBe(EXIT.ok)
    expect(got.stdout.trim().split('\n').sort()).toEqual(Object.keys(files).map((p) => join(out, p)).sort())
    for (const path of Object.keys(files)) expect(sha256File(join(out, path))).toBe(sha256File(join(src, path)))
  }, 60_000)

  it('fails with a clear message and its exit code: malformed link, wrong secret, unreachable server, --max-bytes', async () => {
    const server = await start()
    const src = dir()
    writeRandomFile(join(src, 'f.bin'), 300_000)
    const { link } = await sharing(server.url, [join(src, 'f.bin')])

    const malformed = await runCli(['get', link.slice(0, -5)])
    expect(malformed).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/secret has the wrong length/) })

    const [origin, fragment] = link.split('#')
    const wrongSecret = `${origin}#${fragment.split('.')[0]}.${randomBytes(32).toString('base64url')}`
    const wrong = await runCli(['get', '-o', dir(), '--timeout', '20', wrongSecret])
    expect(wrong).toMatchObject({ code: EXIT.wrongSecret, stderr: expect.stringMatching(/does not open this content/) })

    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number }
        s.close(() => resolve(port))
      })
    })
    const unreachable = await runCli(['get', '--server', `http://127.0.0.1:${closedPort}`, '--connect-timeout', '2', fragment])
    expect(unreachable).toMatchObject({ code: EXIT.serverUnreachable, stderr: expect.stringMatching(/could not reach the server/) })

    const badBind = await runCli(['get', link], { SWARMDROP_BIND_ADDRESS: '192.0.2.1' })
    expect(badBind).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/192\.0\.2\.1 is not an address of this host/) })

    const full = await runCli(['get', '-o', dir(), '--max-bytes', '100k', link])
    expect(full).toMatchObject({ code: EXIT.noSpace, stderr: expect.stringMatching(/may hold at most 100 KiB \(--max-bytes\)/) })
  }, 60_000)

  it('gets a password link with --password, says which password is wrong, and seeds a store again later', async () => {
    const server = await start()
    const src = dir()
    writeRandomFile(join(src, 'secret-plans.bin'), 400_000, 5)
    const store = dir()
    const first = await sharing(server.url, [join(src, 'secret-plans.bin')], ['--password', 'correct horse'])
    expect(first.link).toMatch(/#bafkrei[a-z2-7]{52}\.p\.[A-Za-z0-9_-]{22}$/)
    expect(await runCli(['get', first.link])).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/needs a password/) })
    const wrong = await runCli(['get', '-o', dir(), '--password', 'battery staple', first.link])
    expect(wrong).toMatchObject({ code: EXIT.wrongSecret, stderr: expect.stringMatching(/or the password\) does not open/) })
    const out = dir()
    expect((await runCli(['get', '-o', out, '--store', store, '--password', 'correct horse', first.link])).code).toBe(EXIT.ok)
    expect(sha256File(join(out, 'secret-plans.bin'))).toBe(sha256File(join(src, 'secret-plans.bin')))

    // The sharer is gone; the store the download kept is served by `seed`.
    first.process.child.kill('SIGKILL')
    const seeder = startCli(['seed', '--server', server.url, store])
    await seeder.waitFor(/Seeding 1 drop/)
    const again = dir()
    expect((await runCli(['get', '-o', again, '--password', 'correct horse', first.link])).code).toBe(EXIT.ok)
    expect(sha256File(join(again, 'secret-plans.bin'))).toBe(sha256File(join(src, 'secret-plans.bin')))
  }, 60_000)

  it('never writes through a symlink out of -o, keeps its secrets owner-only, and --until-pinned fails without pin nodes', async () => {
    const server = await start()
    const src = dir()
    writeRandomFile(join(src, 'data', 'inner', 'x.bin'), 1000, 3)
    const store = dir()
    const sharer = await sharing(server.url, [join(src, 'data')])
    const out = dir()
    const elsewhere = dir()
    symlinkSync(elsewhere, join(out, 'data'))
    const got = await runCli(['get', '-o', out, '--store', store, sharer.link])
    expect(got).toMatchObject({ code: EXIT.failed, stderr: expect.stringMatching(/refusing to write through a link/) })
    expect(readdirSync(elsewhere)).toEqual([])
    expect(statSync(join(store, 'library.json')).mode & 0o777).toBe(0o600)

    const lonely = await runCli(['share', '--server', server.url, '--store', dir(), '--until-pinned', join(src, 'data')])
    expect(lonely).toMatchObject({ code: EXIT.failed, stderr: expect.stringMatching(/no pin nodes/) })
  }, 60_000)

  it('falls back to the server relay when no direct connection opens', async () => {
    const server = await start({ relayAfterMs: 300 })
    const src = dir()
    writeRandomFile(join(src, 'r.bin'), 1_000_000, 9)
    // The sharer tries no WebRTC (as behind a UDP-blocking firewall); it refuses the getter's offer, which then relays.
    const p = startCli(['share', '--relay-only', '--server', server.url, '--store', dir(), join(src, 'r.bin')])
    const [link] = await p.waitFor(/^http\S+#\S+$/m)
    const out = dir()
    const got = await runCli(['get', '-o', out, '--timeout', '30', link])
    expect(got.code, got.stderr).toBe(EXIT.ok)
    expect(sha256File(join(out, 'r.bin'))).toBe(sha256File(join(src, 'r.bin')))
    expect(server.hub.relayedBytes).toBeGreaterThan(1_000_000)
  }, 60_000)

  it('explains itself: --help on every command, usage errors exit 2', async () => {
    for (const command of ['share', 'get', 'seed', 'pin']) {
      const help = await runCli([command, '--help'])
      expect(help.code).toBe(EXIT.ok)
      expect(help.stdout).toMatch(new RegExp(`^Usage: swarmdrop ${command}`))
    }
    expect((await runCli([])).code).toBe(EXIT.usage)
    expect(await runCli(['fly'])).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/unknown command "fly"/) })
    expect(await runCli(['share', '--nope'])).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/--nope/) })
    expect(await runCli(['share', '/no/such/file'])).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/no such file/) })
    expect(await runCli(['pin'])).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/--store DIR is required/) })
  }, 60_000)
})
