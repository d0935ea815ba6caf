/** Helpers shared by the swarm tests: drops, peers holding all or part of them, links, checks. */
import { afterEach, expect } from 'vitest'
import { Swarm } from './swarm.js'
import { memoryPair, type MemoryLinkOptions } from '../transport/memory.js'
import { memoryStore } from '../storage/memory-store.js'
import type { DropChunks } from '../storage/chunk-store.js'
import { webCryptoProvider } from '../crypto/provider.js'
import { deriveKeys } from '../crypto/keys.js'
import { ingest, type IngestResult } from '../chunking/ingest.js'
import { bytesSource } from '../chunking/source.js'
import { readFileBytes } from '../chunking/assemble.js'
import { fileSpans } from '../content/metadata.js'
import { digestOfCid } from '../../../format/cid.js'
import { concatBytes, toHex } from '../util/bytes.js'
import { pseudoRandomBytes, seededRandom } from '../util/random.js'

export const crypto = webCryptoProvider()

export interface Drop {
  content: Uint8Array
  /** The sharer's chunks of the drop. */
  store: DropChunks
  result: IngestResult
}

const swarms: Swarm[] = []
afterEach(() => swarms.splice(0).forEach((s) => s.close()))

export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

export async function makeDrop(size: number, pieceSize: number): Promise<Drop> {
  const content = pseudoRandomBytes(size, size)
  const whole = memoryStore()
  const result = await ingest([bytesSource('data.bin', content)], { crypto, store: whole, pieceSize })
  return { content, store: whole.drop(digestOfCid(result.cid)), result }
}

/** A peer holding `pieces` (all by default) and the manifest; `store` defaults to a copy of just those. */
export async function holder(
  drop: Drop,
  options: { pieces?: Iterable<number>; store?: DropChunks; seed?: number; superSeed?: boolean } = {},
) {
  let store = options.store
  if (!store) {
    store = memoryStore().drop(digestOfCid(drop.result.cid))
    await store.put(digestOfCid(drop.result.cid), drop.result.manifestBytes)
    for (const i of options.pieces ?? range(0, drop.result.manifest.pieceIds.length)) {
      const id = drop.result.manifest.pieceIds[i]
      await store.put(id, (await drop.store.get(id))!)
    }
  }
  const swarm = new Swarm({ cid: drop.result.cid, store, crypto, random: seededRandom(options.seed ?? 1), superSeed: options.superSeed })
  await swarm.start({ manifest: drop.result.manifest, bytes: drop.result.manifestBytes })
  swarms.push(swarm)
  return swarm
}

/** A peer with nothing but the CID. */
export function fresh(drop: Drop, seed = 2, now?: () => number): { swarm: Swarm; store: DropChunks } {
  const store = memoryStore().drop(digestOfCid(drop.result.cid))
  const swarm = new Swarm({ cid: drop.result.cid, store, crypto, random: seededRandom(seed), now })
  swarms.push(swarm)
  return { swarm, store }
}

export function link(a: Swarm, b: Swarm, ids: [string, string], options?: MemoryLinkOptions) {
  const [ab, ba] = memoryPair(ids[0], ids[1], options)
  a.addConnection(ab)
  b.addConnection(ba)
  return { ab, ba }
}

export function completed(swarm: Swarm): Promise<void> {
  return new Promise((resolve) => {
    if (swarm.have?.complete) return resolve()
    swarm.events.on('complete', () => resolve())
  })
}

/** The drop's file as `store` holds it, decrypted. */
export async function contentOf(drop: Drop, store: DropChunks): Promise<Uint8Array> {
  const keys = await deriveKeys(crypto, drop.result.secret)
  const ctx = { crypto, store, manifest: drop.result.manifest, pieceKey: keys.pieceKey }
  const parts: Uint8Array[] = []
  for await (const p of readFileBytes(ctx, fileSpans(drop.result.metadata)[0])) parts.push(p.slice())
  return concatBytes(parts)
}

/** Checks `store` yields the drop's content. Compares SHA-256: deep equality on MiB arrays is very slow. */
export async function expectContent(drop: Drop, store: DropChunks): Promise<void> {
  const actual = await contentOf(drop, store)
  expect(actual.length).toBe(drop.content.length)
  expect(toHex(await crypto.sha256(actual))).toBe(toHex(await crypto.sha256(drop.content)))
}
