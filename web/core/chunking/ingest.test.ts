import { describe, expect, it } from 'vitest'
import { ingest } from './ingest.js'
import { readFileBytes } from './assemble.js'
import { bytesSource } from './source.js'
import { choosePieceSize } from './piece-size.js'
import { memoryStore } from '../storage/memory-store.js'
import type { ChunkStore } from '../storage/chunk-store.js'
import { webCryptoProvider } from '../crypto/provider.js'
import { deriveKeys } from '../crypto/keys.js'
import { decodeManifest, pieceCountFor } from '../../../format/manifest.js'
import { cidOf, digestOfCid } from '../../../format/cid.js'
import { fileSpans } from '../content/metadata.js'
import { concatBytes, toHex } from '../util/bytes.js'
import { pseudoRandomBytes } from '../util/random.js'
import { MissingPieceError } from '../util/errors.js'

const crypto = webCryptoProvider()
const PIECE = 16 * 1024
const CAPACITY = PIECE - 16

const randomBytes = pseudoRandomBytes

async function roundTrip(sizes: number[]) {
  const store = memoryStore()
  const contents = sizes.map((size, i) => randomBytes(size, i + 1))
  const files = contents.map((bytes, i) => bytesSource(`dir/file-${i}.bin`, bytes))
  const result = await ingest(files, { crypto, store, pieceSize: PIECE })
  const keys = await deriveKeys(crypto, result.secret)
  const ctx = { crypto, store: store.drop(digestOfCid(result.cid)), manifest: result.manifest, pieceKey: keys.pieceKey }
  const out: Uint8Array[] = []
  for (const span of fileSpans(result.metadata)) {
    const parts: Uint8Array[] = []
    for await (const part of readFileBytes(ctx, span)) parts.push(part.slice())
    out.push(concatBytes(parts))
  }
  return { store, contents, result, out }
}

describe('ingest and assemble', () => {
  it.each([
    ['0 bytes', [0], 0],
    ['1 byte', [1], 1],
    ['piece capacity − 1', [CAPACITY - 1], 1],
    ['exactly one piece', [CAPACITY], 1],
    ['piece capacity + 1', [CAPACITY + 1], 2],
    ['several pieces', [5 * CAPACITY + 123], 6],
  ])('round-trips %s into the expected number of pieces', async (_, sizes, pieces) => {
    const { contents, result, out } = await roundTrip(sizes)
    expect(result.manifest.pieceIds.length).toBe(pieces)
    expect(out).toEqual(contents)
  })

  it('cuts many files of edge sizes as one stream and returns each file byte-exact', async () => {
    const sizes = [0, 1, CAPACITY - 1, CAPACITY, CAPACITY + 1, 3 * CAPACITY + 7, 0, 2]
    const { contents, result, out } = await roundTrip(sizes)
    const total = sizes.reduce((a, b) => a + b, 0)
    expect(result.manifest.pieceIds.length).toBe(pieceCountFor(total, PIECE))
    expect(result.metadata.files.map((f) => f.size)).toEqual(sizes)
    expect(out).toEqual(contents)
  })

  it('names every piece by the SHA-256 of its sealed bytes and stores the manifest under its CID', async () => {
    const { store: whole, result } = await roundTrip([3 * CAPACITY])
    const store = whole.drop(digestOfCid(result.cid))
    for (const id of result.manifest.pieceIds) {
      const sealed = await store.get(id)
      expect(sealed).toBeDefined()
      expect(toHex(await crypto.sha256(sealed!))).toBe(toHex(id))
    }
    expect(await cidOf(crypto, result.manifestBytes)).toBe(result.cid)
    expect(await store.get(digestOfCid(result.cid))).toEqual(result.manifestBytes)
    expect(decodeManifest(result.manifestBytes)).toEqual(result.manifest)
  })

  it('is deterministic for the same secret (idempotent re-share) and unlinkable across secrets', async () => {
    const bytes = randomBytes(2 * CAPACITY + 5, 9)
    const secret = randomBytes(32, 10)
    const a = await ingest([bytesSource('x', bytes)], { crypto, store: memoryStore(), pieceSize: PIECE, secret })
    const b = await ingest([bytesSource('x', bytes)], { crypto, store: memoryStore(), pieceSize: PIECE, secret })
    const c = await ingest([bytesSource('x', bytes)], { crypto, store: memoryStore(), pieceSize: PIECE })
    expect(a.cid).toBe(b.cid)
    expect(c.cid).not.toBe(a.cid)
    expect(toHex(c.manifest.pieceIds[0])).not.toBe(toHex(a.manifest.pieceIds[0]))
  })

  it('gives the same pieces and CID as the sequential cut, across slices and file boundaries, at any concurrency', async () => {
    // 9 MiB in 64 KiB pieces: more than one read slice, a slice boundary inside a file, pieces spanning files.
    const sizes = [3 * 1024 * 1024 + 7, 0, 6 * 1024 * 1024 + 1, 5]
    const files = sizes.map((size, i) => bytesSource(`d/${i}.bin`, randomBytes(size, 20 + i)))
    const secret = randomBytes(32, 30)
    const options = { crypto, pieceSize: 64 * 1024, secret, expiresAt: 1_900_000_000_000 }
    const runs = await Promise.all([1, 3, undefined].map((concurrency) => ingest(files, { ...options, store: memoryStore(), concurrency })))
    // Computed by the ingest before pipelining (one piece read, sealed, hashed and stored after another).
    for (const run of runs) expect(run.cid).toBe('bafkreihilgyybwdf33g4rbqqoo4drhzgsl2ah2ocfq6fkc4mqltc2tho5a')
    expect(runs[0].manifest.pieceIds.length).toBe(
      pieceCountFor(
        sizes.reduce((a, b) => a + b),
        64 * 1024,
      ),
    )
  })

  it('stores no plaintext: no 16-byte window of the file appears in any stored piece', async () => {
    const { store: whole, contents, result } = await roundTrip([4 * CAPACITY])
    const store = whole.drop(digestOfCid(result.cid))
    const windows = new Set<string>()
    for (let i = 0; i + 16 <= contents[0].length; i += 16) windows.add(toHex(contents[0].subarray(i, i + 16)))
    for (const id of result.manifest.pieceIds) {
      const sealed = (await store.get(id))!
      for (let i = 0; i + 16 <= sealed.length; i++) expect(windows.has(toHex(sealed.subarray(i, i + 16)))).toBe(false)
    }
  })

  it('fails reading a file whose piece is missing with MissingPieceError', async () => {
    const { store: whole, result } = await roundTrip([2 * CAPACITY])
    const partial = whole.drop(new Uint8Array(32).fill(7)) // holds piece 0 only
    await partial.put(result.manifest.pieceIds[0], (await whole.drop(digestOfCid(result.cid)).get(result.manifest.pieceIds[0]))!)
    const keys = await deriveKeys(crypto, result.secret)
    const ctx = { crypto, store: partial, manifest: result.manifest, pieceKey: keys.pieceKey }
    const read = async () => {
      for await (const _ of readFileBytes(ctx, fileSpans(result.metadata)[0]));
    }
    await expect(read()).rejects.toThrow(MissingPieceError)
  })

  it('rejects an empty drop and unsafe paths', async () => {
    await expect(ingest([], { crypto, store: memoryStore() })).rejects.toThrow(/no files/)
    await expect(ingest([bytesSource('../x', new Uint8Array(1))], { crypto, store: memoryStore() })).rejects.toThrow(/unsafe/)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(
      ingest([bytesSource('x', new Uint8Array(10))], { crypto, store: memoryStore(), signal: controller.signal }),
    ).rejects.toThrow(/abort/)
  })

  it('deletes what it stored when it fails part-way', async () => {
    const inner = memoryStore()
    const written: { drop: Uint8Array; id: Uint8Array }[] = []
    const store: ChunkStore = {
      ...inner,
      drop(drop) {
        const view = inner.drop(drop)
        return {
          ...view,
          putMany: (entries) => {
            entries.forEach(([id]) => written.push({ drop, id }))
            return view.putMany(entries)
          },
        }
      },
    }
    const controller = new AbortController()
    const onProgress = (done: number) => done >= 20 * CAPACITY && controller.abort()
    const files = [bytesSource('x', randomBytes(60 * CAPACITY, 11))]
    await expect(ingest(files, { crypto, store, pieceSize: PIECE, signal: controller.signal, onProgress, concurrency: 2 })).rejects.toThrow(
      /abort/,
    )
    expect(written.length).toBeGreaterThan(0)
    for (const { drop, id } of written) expect(await inner.drop(drop).has(id)).toBe(false)
  })
})

describe('piece size', () => {
  it('starts at 256 KiB and keeps at most 4096 pieces up to the 4 MiB cap', () => {
    expect(choosePieceSize(0)).toBe(256 * 1024)
    expect(choosePieceSize(1024 ** 3)).toBe(512 * 1024)
    expect(pieceCountFor(1024 ** 3, choosePieceSize(1024 ** 3))).toBeLessThanOrEqual(4096)
    expect(choosePieceSize(64 * 1024 ** 3)).toBe(4 * 1024 * 1024)
  })
})
