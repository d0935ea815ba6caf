/**
 * The `swarmdrop` command end to end in Node: real processes, a real server,
 * WebRTC between them through node-datachannel on loopback.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs'
import { randomBytes, scryptSync } from 'node:crypto'
import { createServer } from 'node:net'
import { useTestServers } from '../signal-server/test-client.js'
import { runCli, sha256File, writeRandomFile } from './cli.fixtures.js'
import { useCliRuns } from './cli-test-runs.js'
import { writeCraftedDrop } from './crafted-drop.fixtures.js'
import { EXIT } from './exit-codes.js'
import { formatPasswordFragment } from '../web/core/content/link.js'

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
    expect(got.stdout.trim().split('\n').sort()).toEqual(
      Object.keys(files)
        .map((p) => join(out, p))
        .sort(),
    )
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
    expect(first.link).toMatch(/#bafkrei[a-z2-7]{52}\.p2\.[A-Za-z0-9_-]{22}$/)
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

  it('still opens a password link made before the cost rose (.p., scrypt N = 2^16)', async () => {
    const server = await start()
    const store = dir()
    const salt = randomBytes(16)
    const oldSecret = new Uint8Array(scryptSync('correct horse', salt, 32, { N: 2 ** 16, r: 8, p: 1, maxmem: 128 * 2 ** 20 }))
    const bytes = randomBytes(3000)
    const { cid } = await writeCraftedDrop(store, [{ path: 'old-plans.bin', bytes }], oldSecret)
    startCli(['seed', '--server', server.url, store])
    const link = `${server.url}/#${formatPasswordFragment({ cid, salt, kdf: 1 })}`
    expect(link).toMatch(/\.p\.[A-Za-z0-9_-]{22}$/)
    const out = dir()
    const got = await runCli(['get', '-o', out, '--timeout', '30', '--password', 'correct horse', link])
    expect(got.code, got.stderr).toBe(EXIT.ok)
    expect(readFileSync(join(out, 'old-plans.bin'))).toEqual(bytes)
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

  it('refuses a drop whose file names drive the terminal or disguise a file: writes nothing, prints no raw escape', async () => {
    const server = await start()
    const store = dir()
    const bytes = new TextEncoder().encode('hello')
    // Retitles the terminal window and clears the screen when printed raw; the next name shows as "invoiceexe.pdf".
    const { fragment } = await writeCraftedDrop(store, [
      { path: '\x1b]0;pwned\x07\x1b[2Jreadme.txt', bytes },
      { path: 'invoice\u202Efdp.exe', bytes },
    ])
    const seeder = startCli(['seed', '--server', server.url, store])
    await seeder.waitFor(/Seeding 1 drop/)
    const sandbox = dir()
    const out = join(sandbox, 'out')
    const got = await runCli(['get', '-o', out, '--timeout', '30', `${server.url}/#${fragment}`])
    expect(got.stderr).toMatch(
      /file list in this content is invalid: unsafe file name "\\x1b\]0;pwned\\x07\\x1b\[2Jreadme\.txt": it contains a control character \(U\+001B\)/,
    )
    expect(got.code).toBe(EXIT.failed)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
    expect(got.stdout + got.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/) // only newlines: no raw control character
    expect(readdirSync(sandbox)).toEqual([]) // nothing written, not even -o
  }, 60_000)

  it('renames a shared folder’s unsafe names in one documented way, says so escaped, and the files arrive under those names', async () => {
    const server = await start()
    const src = dir()
    // Names Linux allows and Windows, macOS or a terminal do not.
    const names = {
      'notes ': 'notes',
      'a:b.txt': 'a_b.txt',
      'CON.txt': '_CON.txt',
      '\x1b[31mred': '_[31mred',
      'Readme.md': 'Readme (2).md',
      'README.md': 'README.md',
    }
    Object.keys(names).forEach((name, i) => writeRandomFile(join(src, 'data', name), 100 + i, i + 1))
    const sharer = await sharing(server.url, [join(src, 'data')])
    await sharer.process.waitFor(/Seeding\./)
    const told = sharer.process.stderr()
    expect(told).toContain('Renamed "data/notes " to "data/notes": the name is not safe on every system.')
    expect(told).toContain('Renamed "data/\\x1b[31mred" to "data/_[31mred"')
    expect(told).not.toContain('\x1b')
    const out = dir()
    const got = await runCli(['get', '-o', out, sharer.link])
    expect(got.code, got.stderr).toBe(EXIT.ok)
    expect(got.stdout.trim().split('\n').sort()).toEqual(
      Object.values(names)
        .map((n) => join(out, 'data', n))
        .sort(),
    )
    for (const [from, to] of Object.entries(names))
      expect(readFileSync(join(out, 'data', to))).toEqual(readFileSync(join(src, 'data', from)))
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
    for (const command of ['share', 'get', 'export', 'mirrors', 'seed', 'pin']) {
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
