/**
 * Blind mirrors end to end in Node: `export` writes the layout, a real HTTP
 * server serves it, and an engine downloads from it with no peer online,
 * verified. Then the attacks a host can make: a corrupted piece, a body
 * longer than the piece, another drop's manifest, a missing piece, a host
 * that is down. None may corrupt the download, and each is reported.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportDrop } from './mirror-export.js'
import { serveStoreAsMirror } from './store-mirror.js'
import { sealDrop } from '../web/core/chunking/seal.js'
import { memoryStore } from '../web/core/storage/memory-store.js'
import { webCryptoProvider } from '../web/core/crypto/provider.js'
import { bytesSource } from '../web/core/chunking/source.js'
import { parseLink } from '../web/core/content/link.js'
import { MemorySignalingHub } from '../web/core/signaling/memory-hub.js'
import { useEngines } from '../web/core/engine.fixtures.js'
import { fileBytes, once } from '../web/core/drop.fixtures.js'
import { pseudoRandomBytes } from '../web/core/util/random.js'
import { MIRROR_LAYOUT_DIR } from '../format/mirror-layout.js'
import type { Drop } from '../web/core/drop.js'
import { freePort, runCli, sha256File, writeRandomFile } from './cli.fixtures.js'
import { EXIT } from './exit-codes.js'
import { type DirMirror, type Tamper, serveDir } from './http-mirror.fixtures.js'

const PIECE = 16 * 1024
const engine = useEngines()
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

/** A real HTTP server over `dir`, answering GETs as `tamper` says; closed after the test. */
async function serve(dir: string, tamper?: Tamper): Promise<DirMirror> {
  const mirror = await serveDir(dir, tamper)
  cleanups.push(() => mirror.close())
  return mirror
}

async function exported(content: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-mirror-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const sealed = await exportDrop([bytesSource('data/set.bin', content)], dir, { pieceSize: PIECE })
  const pieces = join(dir, MIRROR_LAYOUT_DIR, sealed.result.cid, 'pieces')
  return { dir, sealed, pieceFiles: readdirSync(pieces) }
}

/** Opens the link with `mirrors`, with no peer online, and waits for it to end. */
async function download(fragment: string, mirrors: string[]): Promise<{ drop: Drop; warnings: string[] }> {
  const drop = await engine(new MemorySignalingHub()).open({ ...parseLink(fragment), mirrors })
  const warnings: string[] = []
  drop.swarm.events.on('warning', (w) => warnings.push(w))
  return { drop, warnings }
}

describe('blind mirrors', () => {
  it('export writes the manifest and one file per sealed piece; a mirror alone serves the drop byte-exact', async () => {
    const content = pseudoRandomBytes(40 * (PIECE - 16) + 123, 1)
    const { dir, sealed, pieceFiles } = await exported(content)
    expect(pieceFiles.sort()).toEqual(sealed.result.manifest.pieceIds.map((id) => Buffer.from(id).toString('hex')).sort())
    const host = await serve(dir)
    const { drop, warnings } = await download(sealed.fragment, [host.base])
    await once(drop, 'complete')
    expect(await fileBytes(drop)).toEqual(content)
    expect(warnings).toEqual([])
    // One GET per piece and one for the manifest: nothing asked twice.
    expect(host.requests.length).toBe(sealed.result.manifest.pieceIds.length + 1)
  })

  it('a mirror that corrupts pieces is dropped as a liar; an honest mirror completes the drop byte-exact', async () => {
    const content = pseudoRandomBytes(40 * (PIECE - 16), 2)
    const { dir, sealed } = await exported(content)
    const liar = await serve(dir, (path, bytes) => {
      if (!path.includes('/pieces/')) return bytes
      const bad = Buffer.from(bytes)
      bad[100] ^= 1
      return bad
    })
    const honest = await serve(dir)
    const { drop, warnings } = await download(sealed.fragment, [liar.base, honest.base])
    await once(drop, 'complete')
    expect(await fileBytes(drop)).toEqual(content)
    expect(liar.requests.some((p) => p.includes('/pieces/'))).toBe(true)
    expect(warnings).toContain(`Mirror ${new URL(liar.base).host}: sent pieces that fail verification.`)
  })

  it('bodies longer than the piece, another drop’s manifest, a missing piece and a host that is down are reported, never accepted', async () => {
    const content = pseudoRandomBytes(20 * (PIECE - 16), 3)
    const { dir, sealed, pieceFiles } = await exported(content)
    const other = await exported(pseudoRandomBytes(1000, 4))
    const otherManifest = readFileSync(join(other.dir, MIRROR_LAYOUT_DIR, other.sealed.result.cid, 'manifest'))
    const huge = await serve(dir, (path, bytes) => (path.endsWith('/manifest') ? bytes : Buffer.alloc(8 * 1024 * 1024)))
    const wrongDrop = await serve(dir, (path, bytes) => (path.endsWith('/manifest') ? otherManifest : bytes))
    const down = await serve(dir)
    cleanups.pop()!() // closed before anyone asks it
    // One mirror lacks a piece; another holds only that piece.
    const gappy = await serve(dir, (path, bytes) => (path.endsWith(pieceFiles[1]) ? 404 : bytes))
    const patch = await serve(dir, (path, bytes) => (path.endsWith('/manifest') || path.endsWith(pieceFiles[1]) ? bytes : 404))
    const { drop, warnings } = await download(sealed.fragment, [huge.base, wrongDrop.base, down.base, gappy.base, patch.base])
    await once(drop, 'complete')
    expect(await fileBytes(drop)).toEqual(content)
    const said = warnings.join('\n')
    const host = (m: { base: string }) => new URL(m.base).host
    expect(said).toMatch(new RegExp(`Mirror ${host(huge)}: served piece \\d+ with the wrong length`))
    expect(said).toContain(`Mirror ${host(wrongDrop)}: serves a manifest that is not this drop's.`)
    expect(said).toMatch(new RegExp(`Mirror ${host(down)}: cannot be reached`))
    expect(said).not.toContain(host(gappy))
  })

  it('the CLI exports, and gets from mirrors alone with no server: byte-exact, with the exit codes of get', async () => {
    const work = mkdtempSync(join(tmpdir(), 'swarmdrop-mirror-cli-'))
    cleanups.push(() => rmSync(work, { recursive: true, force: true }))
    const original = writeRandomFile(join(work, 'in', 'survey.bin'), 700_000, 5)
    const site = join(work, 'site')
    const host = await serve(site)
    const noServer = `http://127.0.0.1:${await freePort()}`
    const exported = await runCli(['export', '--out', site, '--mirror', host.base, '--server', noServer, join(work, 'in')])
    expect(exported.code, exported.stderr).toBe(EXIT.ok)
    const link = exported.stdout.trim()
    expect(link.startsWith(`${noServer}/#`)).toBe(true)
    const got = await runCli(['get', '-o', join(work, 'out'), '--connect-timeout', '1', link])
    expect(got.code, got.stderr).toBe(EXIT.ok)
    expect(got.stderr).toContain("fetching from the link's mirrors")
    expect(sha256File(join(work, 'out', 'in', 'survey.bin'))).toBe(sha256File(join(work, 'in', 'survey.bin')))
    expect(original.length).toBe(700_000)
    // A link whose mirror is not there and no server: get gives up after --timeout, as it does for peers.
    const gone = link.replace(encodeURIComponent(host.base), encodeURIComponent(`http://127.0.0.1:${await freePort()}/`))
    const failed = await runCli(['get', '-o', join(work, 'none'), '--connect-timeout', '1', '--timeout', '3', gone])
    expect(failed.code).toBe(EXIT.failed)
    expect(failed.stderr).toMatch(/Mirror 127\.0\.0\.1:\d+: cannot be reached/)
    // Bad mirrors are usage errors, as bad links are.
    expect((await runCli(['export', '--out', site, '--mirror', 'https://u:p@host/', join(work, 'in')])).code).toBe(EXIT.usage)
    expect((await runCli(['get', `${link}&m=javascript%3A1`])).code).toBe(EXIT.usage)
  }, 60_000)

  it('a pin node serves what it holds as a mirror, and nothing else', async () => {
    const content = pseudoRandomBytes(12 * (PIECE - 16), 6)
    const store = memoryStore()
    const sealed = await sealDrop([bytesSource('held.bin', content)], { crypto: webCryptoProvider(), store, pieceSize: PIECE })
    const other = await sealDrop([bytesSource('not-held.bin', content.subarray(0, 5000))], { crypto: webCryptoProvider(), store })
    const mirror = await serveStoreAsMirror(store, async (cid) => cid === sealed.result.cid, '127.0.0.1', 0)
    cleanups.push(() => void mirror.close())
    const { drop, warnings } = await download(sealed.fragment, [mirror.base])
    await once(drop, 'complete')
    expect(await fileBytes(drop)).toEqual(content)
    expect(warnings).toEqual([])
    const status = async (path: string, method = 'GET') => (await fetch(mirror.base + path, { method })).status
    expect(await status(`${MIRROR_LAYOUT_DIR}/${other.result.cid}/manifest`)).toBe(404) // in the store, not held
    expect(await status(`${MIRROR_LAYOUT_DIR}/${sealed.result.cid}/pieces/${'0'.repeat(64)}`)).toBe(404)
    expect(await status(`${MIRROR_LAYOUT_DIR}/${sealed.result.cid}/../../etc/passwd`)).toBe(404)
    expect(await status(`${MIRROR_LAYOUT_DIR}/${sealed.result.cid}/manifest`, 'POST')).toBe(405)
    const manifest = await fetch(`${mirror.base}${MIRROR_LAYOUT_DIR}/${sealed.result.cid}/manifest`)
    expect(new Uint8Array(await manifest.arrayBuffer())).toEqual(sealed.result.manifestBytes)
    expect(manifest.headers.get('access-control-allow-origin')).toBe('*')
  })
})
