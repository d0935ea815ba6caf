/**
 * One Drop over a memory store: what it says, as typed events with data (no
 * sentences), and its expiry on a manual clock, which fires at the manifest's
 * time and not a millisecond before.
 */
import { describe, expect, it } from 'vitest'
import { memoryStore } from './storage/memory-store.js'
import { bytesSource } from './chunking/source.js'
import { ingest } from './chunking/ingest.js'
import { deriveKeys } from './crypto/keys.js'
import { webCryptoProvider } from './crypto/provider.js'
import { Drop, type DropEvents } from './drop.js'
import { once } from './drop.fixtures.js'
import { ManualClock } from './util/clock.js'
import { pseudoRandomBytes } from './util/random.js'

const crypto = webCryptoProvider()
const PIECE = 16 * 1024

/** A drop made here (every piece held), opened with `secret` (the right one by default). */
async function heldDrop(options: { expiresAt?: number; secret?: Uint8Array; now?: number } = {}) {
  const store = memoryStore()
  const made = await ingest([bytesSource('notes/report.pdf', pseudoRandomBytes(40_000, 7))], {
    crypto,
    store,
    pieceSize: PIECE,
    expiresAt: options.expiresAt,
  })
  const clock = new ManualClock(options.now ?? 0)
  const keys = await deriveKeys(crypto, options.secret ?? made.secret)
  const drop = new Drop({ cid: made.cid, role: 'sharing', crypto, store, keys, clock })
  await drop.load({ manifest: made.manifest, bytes: made.manifestBytes })
  const seen: { event: keyof DropEvents; payload: unknown }[] = []
  for (const event of ['named', 'complete', 'failed', 'expired', 'revoked'] as const) {
    drop.events.on(event, (payload) => seen.push({ event, payload }))
  }
  return { drop, clock, made, seen }
}

describe('Drop', () => {
  it('says its name and file list, then that it is complete', async () => {
    const { drop, seen } = await heldDrop()
    drop.run()
    await once(drop, 'complete')
    expect(seen.map((s) => s.event)).toEqual(['named', 'complete'])
    expect(seen[0].payload).toEqual({ name: 'report.pdf', files: drop.state.files, totalBytes: 40_000 })
    expect(drop.state).toMatchObject({ phase: 'complete', failure: null, piecesDone: 3, piecesTotal: 3, bytesDone: 40_000 })
    drop.stop()
  })

  it('fails as wrong-secret, a kind and no sentence, when the key does not open the file list', async () => {
    const { drop, seen } = await heldDrop({ secret: pseudoRandomBytes(32, 8) })
    drop.run()
    await expect(once(drop, 'complete')).rejects.toThrow(/does not open/)
    expect(seen).toEqual([{ event: 'failed', payload: { kind: 'wrong-secret' } }])
    expect(drop.state).toMatchObject({ phase: 'failed', failure: { kind: 'wrong-secret' }, name: null })
    drop.stop()
  })

  it('fails as storage with what is held when the store is full, and is revoked once however often told', async () => {
    const { drop, seen } = await heldDrop()
    drop.run()
    await once(drop, 'complete')
    drop.swarm.events.emit('storage-error', Object.assign(new Error('quota'), { name: 'QuotaExceededError' }))
    expect(seen.at(-1)).toEqual({
      event: 'failed',
      payload: { kind: 'storage', full: true, detail: 'QuotaExceededError: quota', piecesHeld: 3, piecesTotal: 3 },
    })
    drop.revoke()
    drop.revoke()
    expect(seen.filter((s) => s.event === 'revoked')).toHaveLength(1)
    expect(drop.state.failure).toEqual({ kind: 'revoked' })
    drop.stop()
  })

  it('expires on its clock at the manifest’s time, not a millisecond before, without waiting in wall time', async () => {
    const start = Date.UTC(2030, 0, 1)
    const expiresAt = start + 10 * 60_000
    const { drop, clock, seen } = await heldDrop({ expiresAt, now: start })
    drop.run()
    await once(drop, 'complete')
    clock.advance(expiresAt - start - 1)
    expect(seen.map((s) => s.event)).toEqual(['named', 'complete'])
    expect(drop.state).toMatchObject({ phase: 'complete', failure: null, expiresAt })
    clock.advance(1)
    expect(seen.at(-1)).toEqual({ event: 'expired', payload: { expiresAt } })
    expect(drop.state).toMatchObject({ phase: 'failed', failure: { kind: 'expired', expiresAt } })
    drop.stop()
    expect(clock.pending).toBe(0) // stopping leaves no timer behind
  })

  it('stays revoked when its expiry passes before it is deleted, and says nothing more', async () => {
    const start = Date.UTC(2030, 0, 1)
    const expiresAt = start + 60_000
    const { drop, clock, seen } = await heldDrop({ expiresAt, now: start })
    drop.run()
    await once(drop, 'complete')
    drop.revoke()
    clock.advance(2 * 60_000)
    drop.swarm.events.emit('storage-error', new Error('late'))
    expect(seen.map((s) => s.event)).toEqual(['named', 'complete', 'revoked'])
    expect(drop.state.failure).toEqual({ kind: 'revoked' })
    drop.stop()
  })

  it('is expired at once when its stored manifest expired while it was not running', async () => {
    const { drop, seen } = await heldDrop({ expiresAt: 1_000, now: 1_000 })
    drop.run()
    expect(seen).toEqual([{ event: 'expired', payload: { expiresAt: 1_000 } }])
    drop.stop()
  })
})
