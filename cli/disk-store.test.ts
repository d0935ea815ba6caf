import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chunkStoreContract } from '../web/core/storage/chunk-store.contract.js'
import { libraryContract } from '../web/core/library/library-store.contract.js'
import { openDiskStore } from './disk-store.js'
import { openDiskLibrary } from './disk-library.js'
import { cidFromDigest, digestOfCid } from '../format/cid.js'
import { dropIsolationContract } from '../web/core/drop-isolation.contract.js'
import { craftDrop } from '../web/core/crafted-drop.fixtures.js'
import { ingest } from '../web/core/chunking/ingest.js'
import { bytesSource } from '../web/core/chunking/source.js'
import { memoryStore } from '../web/core/storage/memory-store.js'
import { webCryptoProvider } from '../web/core/crypto/provider.js'
import { toHex } from '../web/core/util/bytes.js'
import { pseudoRandomBytes } from '../web/core/util/random.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-disk-'))
  dirs.push(dir)
  return dir
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

chunkStoreContract('disk', () => openDiskStore(tempDir()))
libraryContract('disk', () => openDiskLibrary(tempDir()))
dropIsolationContract('disk store', () => openDiskStore(tempDir()))

describe('disk stores', () => {
  const id = (n: number) => new Uint8Array(32).fill(n)

  it('keep chunks and their byte count across a reopen, and clean up writes torn by a crash', async () => {
    const dir = tempDir()
    const first = await openDiskStore(dir)
    await first.drop(id(9)).putMany([
      [id(1), new Uint8Array(1000).fill(1)],
      [id(2), new Uint8Array(24).fill(2)],
    ])
    await first.drop(id(9)).put(id(2), new Uint8Array(24).fill(2)) // the same chunk again counts once
    expect(first.usedBytes).toBe(1024)
    const folder = join(dir, 'drops', '03'.repeat(32))
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, `${'03'.repeat(32)}.tmp-abc`), 'torn')
    const again = await openDiskStore(dir)
    expect(again.usedBytes).toBe(1024)
    expect(await again.drop(id(9)).get(id(1))).toEqual(new Uint8Array(1000).fill(1))
    expect(readdirSync(folder)).toEqual([])
    await again.drop(id(8)).put(id(1), new Uint8Array(1000).fill(1))
    await again.deleteDrop(id(9))
    expect(again.usedBytes).toBe(1000)
    expect(readdirSync(join(dir, 'drops'))).toEqual(['03'.repeat(32), '08'.repeat(32)])
  })

  it('keep the library across a reopen, and name a corrupt library file', async () => {
    const dir = tempDir()
    const lib = await openDiskLibrary(dir)
    const cid = cidFromDigest(id(7))
    await lib.put({ cid, role: 'pinned', secret: null, name: null, totalBytes: null, addedAt: 5, seeding: true, replicas: 2 })
    expect(await (await openDiskLibrary(dir)).get(cid)).toMatchObject({ role: 'pinned', replicas: 2 })
    writeFileSync(join(dir, 'library.json'), '{"not": "a list"')
    await expect(openDiskLibrary(dir)).rejects.toThrow(/library.json is not a Swarmdrop library/)
  })

  it('adopt a store of the older one-keyspace layout for the drops the library holds; a drop crafted against another gets nothing', async () => {
    const crypto = webCryptoProvider()
    const source = memoryStore()
    const v = await ingest([bytesSource('v.bin', pseudoRandomBytes(5 * (16_384 - 16), 81))], { crypto, store: source, pieceSize: 16_384 })
    const vDigest = digestOfCid(v.cid)
    const vChunks = new Map<string, Uint8Array>([[toHex(vDigest), v.manifestBytes]])
    for (const piece of v.manifest.pieceIds) vChunks.set(toHex(piece), (await source.drop(vDigest).get(piece))!)
    const crafted = await craftDrop(crypto, { manifest: v.manifest, digest: vDigest }, { listVictimManifest: true })
    const sharing = await craftDrop(crypto, { manifest: v.manifest, digest: vDigest }) // lists V's pieces only
    const dir = tempDir()
    const legacy = new Map([
      ...vChunks,
      [toHex(digestOfCid(crafted.cid)), crafted.bytes],
      [toHex(digestOfCid(sharing.cid)), sharing.bytes],
      [toHex(sharing.own.id), sharing.own.bytes],
      ['ee'.repeat(32), new Uint8Array(500)], // reached by no drop
    ])
    for (const [hex, bytes] of legacy) {
      mkdirSync(join(dir, 'chunks', hex.slice(0, 2)), { recursive: true })
      writeFileSync(join(dir, 'chunks', hex.slice(0, 2), hex), bytes)
    }
    await openDiskStore(dir) // without the library's drops: left as it is
    expect(existsSync(join(dir, 'chunks', 'ee', 'ee'.repeat(32)))).toBe(true)

    const store = await openDiskStore(dir, { heldDrops: [vDigest, digestOfCid(crafted.cid), digestOfCid(sharing.cid)] })
    expect(existsSync(join(dir, 'chunks'))).toBe(false)
    for (const [hex, bytes] of vChunks) expect(await store.drop(vDigest).get(Uint8Array.from(Buffer.from(hex, 'hex')))).toEqual(bytes)
    expect(await store.drop(digestOfCid(crafted.cid)).has(digestOfCid(crafted.cid))).toBe(false)
    expect(await store.drop(digestOfCid(sharing.cid)).hasMany([...v.manifest.pieceIds, sharing.own.id])).toEqual(Array(6).fill(true))
    const vBytes = [...vChunks.values()].reduce((n, b) => n + b.length, 0)
    expect(store.usedBytes).toBe(vBytes + sharing.bytes.length + sharing.own.bytes.length) // shared pieces once
    await store.deleteDrop(digestOfCid(sharing.cid))
    for (const [hex, bytes] of vChunks) expect(await store.drop(vDigest).get(Uint8Array.from(Buffer.from(hex, 'hex')))).toEqual(bytes)
    expect(store.usedBytes).toBe(vBytes)
    expect((await openDiskStore(dir)).usedBytes).toBe(vBytes)
  })
})
