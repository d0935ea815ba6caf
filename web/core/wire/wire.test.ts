import { describe, expect, it } from 'vitest'
import { memoryPair, type MemoryLinkOptions } from '../transport/memory.js'
import type { Connection } from '../transport/transport.js'
import { ManualClock } from '../util/clock.js'
import { type Frame, decodeFrame, encodeFrame } from './codec.js'
import { REQUEST_BLOCK_BYTES, REQUEST_TIMEOUT_MS } from './constants.js'
import { Wire, type WireEvents } from './wire.js'

const hello = { cidDigest: new Uint8Array(32).fill(7), hasManifest: true, pieceCount: 10, bitfield: Uint8Array.of(0xff, 0xc0) }

function next<K extends keyof WireEvents>(wire: Wire, event: K): Promise<WireEvents[K]> {
  return new Promise((resolve) => {
    const off = wire.events.on(event, (payload) => {
      off()
      resolve(payload)
    })
  })
}

/** Two wires over a memory pair, both past HELLO. */
async function wires(options: MemoryLinkOptions = {}, clock = new ManualClock()) {
  const [ab, ba] = memoryPair('a', 'b', options)
  const a = new Wire(ab, { clock })
  const b = new Wire(ba, { clock })
  const helloed = Promise.all([next(a, 'hello'), next(b, 'hello')])
  a.hello(hello)
  b.hello(hello)
  await helloed
  return { a, b, clock }
}

/** A wire facing a raw connection: the test speaks frames (hostile ones too) as the peer. */
async function wireAndRawPeer(clock = new ManualClock()) {
  const [ab, ba] = memoryPair('a', 'peer')
  const wire = new Wire(ab, { clock })
  const received: Frame[] = []
  ba.events.on('message', (m) => received.push(decodeFrame(m)))
  const helloed = next(wire, 'hello')
  ba.send(encodeFrame({ kind: 'hello', ...hello }))
  await helloed
  return { wire, peer: ba, received, clock }
}

const closedWith = (connection: Connection) =>
  new Promise<string>((resolve) => connection.events.on('close', ({ reason }) => resolve(reason)))

describe('Wire', () => {
  it('carries every kind of frame across a memory pair as typed events', async () => {
    const { a, b } = await wires()
    const data = new Uint8Array(1000).map((_, i) => i)
    const events: unknown[] = []
    for (const event of ['have', 'request', 'cancel', 'manifest-request', 'manifest-part', 'tombstone'] as const) {
      b.events.on(event, (payload) => events.push([event, payload]))
    }
    a.have(3)
    a.request(2, 0, 1000)
    a.cancel(2, 0, 1000)
    a.manifestRequest(99)
    a.manifestPart({ total: 2000, offset: 1000, data })
    a.tombstone(new Uint8Array(32).fill(9))
    await expect.poll(() => events.length).toBe(6)
    expect(events).toEqual([
      ['have', 3],
      ['request', { piece: 2, offset: 0, length: 1000 }],
      ['cancel', { piece: 2, offset: 0, length: 1000 }],
      ['manifest-request', 99],
      ['manifest-part', { total: 2000, offset: 1000, data }],
      ['tombstone', new Uint8Array(32).fill(9)],
    ])
  })

  it('tracks a multi-block request per block and delivers each answering block once', async () => {
    const { a, b } = await wires()
    const length = 2 * REQUEST_BLOCK_BYTES + 500
    const asked = next(b, 'request')
    a.request(4, 0, length)
    expect(a.outstanding).toBe(3)
    expect(await asked).toEqual({ piece: 4, offset: 0, length })
    const blocks: { offset: number; length: number }[] = []
    a.events.on('block', (blk) => blocks.push({ offset: blk.offset, length: blk.data.length }))
    for (const offset of [0, REQUEST_BLOCK_BYTES, 2 * REQUEST_BLOCK_BYTES]) {
      b.block(4, offset, new Uint8Array(Math.min(REQUEST_BLOCK_BYTES, length - offset)))
    }
    b.block(4, 0, new Uint8Array(REQUEST_BLOCK_BYTES)) // a second copy: nothing outstanding any more
    await expect.poll(() => a.stats.unrequestedBlocks).toBe(1)
    expect(blocks).toEqual([
      { offset: 0, length: REQUEST_BLOCK_BYTES },
      { offset: REQUEST_BLOCK_BYTES, length: REQUEST_BLOCK_BYTES },
      { offset: 2 * REQUEST_BLOCK_BYTES, length: 500 },
    ])
    expect(a.outstanding).toBe(0)
    expect(a.stats).toMatchObject({ requestsSent: 1, bytesDown: length + REQUEST_BLOCK_BYTES })
    expect(b.stats).toMatchObject({ requestsReceived: 1, bytesUp: length + REQUEST_BLOCK_BYTES })
    expect(a.closed).toBe(false)
  })

  it('times a request out on virtual time: cancels it, says so, and counts rounds until a block arrives', async () => {
    const { wire, received, clock } = await wireAndRawPeer()
    const timeouts: WireEvents['timeout'][] = []
    wire.events.on('timeout', (t) => timeouts.push(t))
    wire.request(1, 0, REQUEST_BLOCK_BYTES)
    clock.advance(REQUEST_TIMEOUT_MS)
    expect(timeouts).toEqual([]) // due, not yet over
    clock.advance(1_000)
    expect(timeouts).toEqual([{ requests: [{ piece: 1, offset: 0, length: REQUEST_BLOCK_BYTES }], rounds: 1 }])
    expect(wire.outstanding).toBe(0)
    expect(clock.pending).toBe(0) // nothing outstanding, no timer left running
    await expect.poll(() => received.map((f) => f.kind)).toEqual(['request', 'cancel'])
    wire.request(2, 0, REQUEST_BLOCK_BYTES)
    clock.advance(REQUEST_TIMEOUT_MS + 1_000)
    expect(timeouts[1].rounds).toBe(2)
    expect(wire.stats.timedOut).toBe(2)
    expect(wire.closed).toBe(false) // dropping a silent peer is the downloader's call
  })

  it('a delivered block starts the timeout rounds again', async () => {
    const { wire, peer, clock } = await wireAndRawPeer()
    const rounds: number[] = []
    wire.events.on('timeout', (t) => rounds.push(t.rounds))
    wire.request(1, 0, 2 * REQUEST_BLOCK_BYTES)
    const delivered = next(wire, 'block')
    peer.send(encodeFrame({ kind: 'block', piece: 1, offset: 0, data: new Uint8Array(REQUEST_BLOCK_BYTES) }))
    await delivered
    clock.advance(REQUEST_TIMEOUT_MS + 1_000)
    wire.request(3, 0, 100)
    clock.advance(REQUEST_TIMEOUT_MS + 1_000)
    expect(rounds).toEqual([1, 2])
    wire.request(4, 0, 100)
    const again = next(wire, 'block')
    peer.send(encodeFrame({ kind: 'block', piece: 4, offset: 0, data: new Uint8Array(100) }))
    await again
    wire.request(5, 0, 100)
    clock.advance(REQUEST_TIMEOUT_MS + 1_000)
    expect(rounds).toEqual([1, 2, 1])
  })

  it('closes a peer that sends no HELLO in time, on virtual time', async () => {
    const clock = new ManualClock()
    const [ab, ba] = memoryPair('a', 'silent')
    const wire = new Wire(ab, { clock })
    const closed = closedWith(ba)
    clock.advance(9_999)
    expect(wire.closed).toBe(false)
    clock.advance(1)
    expect(await closed).toBe('no HELLO in time')
  })

  it('cancel withdraws only what is outstanding, and a block for it afterwards is ignored and counted', async () => {
    const { wire, peer, received } = await wireAndRawPeer()
    wire.request(6, 0, 2 * REQUEST_BLOCK_BYTES)
    expect(wire.cancel(6, 0, REQUEST_BLOCK_BYTES)).toBe(true)
    expect(wire.cancel(6, 0, REQUEST_BLOCK_BYTES)).toBe(false) // nothing left to withdraw: no frame
    expect(wire.outstanding).toBe(1)
    const blocks: number[] = []
    wire.events.on('block', (b) => blocks.push(b.offset))
    peer.send(encodeFrame({ kind: 'block', piece: 6, offset: 0, data: new Uint8Array(REQUEST_BLOCK_BYTES) }))
    peer.send(encodeFrame({ kind: 'block', piece: 6, offset: REQUEST_BLOCK_BYTES, data: new Uint8Array(REQUEST_BLOCK_BYTES) }))
    await expect.poll(() => blocks).toEqual([REQUEST_BLOCK_BYTES])
    expect(wire.stats.unrequestedBlocks).toBe(1)
    expect(received.map((f) => f.kind)).toEqual(['request', 'cancel'])
  })

  it('delivers a REJECT only when it covers outstanding blocks, and forgets them', async () => {
    const { wire, peer } = await wireAndRawPeer()
    const rejects: unknown[] = []
    wire.events.on('reject', (r) => rejects.push(r))
    wire.request(2, 0, 2 * REQUEST_BLOCK_BYTES)
    peer.send(encodeFrame({ kind: 'reject', piece: 9, offset: 0, length: 10 })) // never asked
    peer.send(encodeFrame({ kind: 'reject', piece: 2, offset: 0, length: 2 * REQUEST_BLOCK_BYTES }))
    await expect.poll(() => rejects.length).toBe(1)
    expect(rejects[0]).toEqual({ piece: 2, offset: 0, length: 2 * REQUEST_BLOCK_BYTES })
    expect(wire.stats.ignoredRejects).toBe(1)
    expect(wire.outstanding).toBe(0)
  })

  it('send() returns false past the high-water mark, writable says so, and drain ends it', async () => {
    const { a } = await wires({ highWaterMark: 1_000 })
    expect(a.block(0, 0, new Uint8Array(600))).toBe(true)
    expect(a.writable).toBe(true)
    const drained = next(a, 'drain')
    expect(a.block(0, REQUEST_BLOCK_BYTES, new Uint8Array(600))).toBe(false)
    expect(a.writable).toBe(false)
    await drained
    expect(a.writable).toBe(true)
    expect(a.have(1)).toBe(true)
  })

  describe('hostile input', () => {
    it('ignores and counts a block nobody asked for, at any offset, and stays open', async () => {
      const { wire, peer } = await wireAndRawPeer()
      wire.request(1, 0, REQUEST_BLOCK_BYTES)
      const blocks: unknown[] = []
      wire.events.on('block', (b) => blocks.push(b))
      peer.send(encodeFrame({ kind: 'block', piece: 2, offset: 0, data: new Uint8Array(10) })) // other piece
      peer.send(encodeFrame({ kind: 'block', piece: 1, offset: 5, data: new Uint8Array(10) })) // wrong offset
      await expect.poll(() => wire.stats.unrequestedBlocks).toBe(2)
      expect(blocks).toEqual([])
      expect(wire.outstanding).toBe(1) // the real request still waits
      expect(wire.closed).toBe(false)
      expect(wire.stats.bytesDown).toBe(20)
    })

    it('closes a peer that answers a request with the wrong length, and delivers nothing of it', async () => {
      const { wire, peer } = await wireAndRawPeer()
      wire.request(1, 0, REQUEST_BLOCK_BYTES)
      const blocks: unknown[] = []
      wire.events.on('block', (b) => blocks.push(b))
      const closed = closedWith(peer)
      peer.send(encodeFrame({ kind: 'block', piece: 1, offset: 0, data: new Uint8Array(100) }))
      expect(await closed).toBe(`sent 100 bytes for a ${REQUEST_BLOCK_BYTES}-byte request`)
      expect(blocks).toEqual([])
    })

    for (const [name, bytes, reason] of [
      ['an unknown kind', Uint8Array.of(1, 200, 1, 2, 3), 'malformed frame: unknown frame kind 200'],
      ['a truncated HAVE', Uint8Array.of(1, 2, 0, 0, 1), 'malformed frame: HAVE frame must be 6 bytes, got 5'],
      [
        'a truncated REQUEST',
        encodeFrame({ kind: 'request', piece: 1, offset: 0, length: 10 }).subarray(0, 9),
        'malformed frame: REQUEST frame must be 14 bytes, got 9',
      ],
      ['a header alone', Uint8Array.of(1), 'malformed frame: frame is shorter than its header'],
    ] as const) {
      it(`closes a peer that sends ${name}, with the reason, without throwing`, async () => {
        const { wire, peer } = await wireAndRawPeer()
        const closed = closedWith(peer)
        peer.send(bytes)
        expect(await closed).toBe(reason)
        expect(wire.closed).toBe(true)
      })
    }

    it('closes a peer that speaks before HELLO, or says HELLO twice', async () => {
      const [ab, ba] = memoryPair('a', 'early')
      new Wire(ab, { clock: new ManualClock() })
      const early = closedWith(ba)
      ba.send(encodeFrame({ kind: 'have', piece: 0 }))
      expect(await early).toBe('sent have before HELLO')
      const { peer } = await wireAndRawPeer()
      const twice = closedWith(peer)
      peer.send(encodeFrame({ kind: 'hello', ...hello }))
      expect(await twice).toBe('sent HELLO twice')
    })

    it('sends nothing and throws nothing once closed', async () => {
      const { a, b } = await wires()
      const closed = next(b, 'close')
      a.fail('done')
      expect((await closed).reason).toBe('done')
      expect(a.have(1)).toBe(false)
      expect(a.request(1, 0, 10)).toBe(false)
      expect(a.outstanding).toBe(0)
    })
  })
})
