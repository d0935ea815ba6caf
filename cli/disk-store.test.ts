import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chunkStoreContract } from '../web/core/storage/chunk-store.contract.js'
import { libraryContract } from '../web/core/library/library-store.contract.js'
import { openDiskStore } from './disk-store.js'
import { openDiskLibrary } from './disk-library.js'
import { cidFromDigest } from '../web/core/content/cid.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-disk-'))
  dirs.push(dir)
  return dir
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

chunkStoreContract('disk', () => openDiskStore(tempDir()))
libraryContract('disk', () => openDiskLibrary(tempDir()))

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
})
