/**
 * The Connection seam's promises (transport.ts), as one suite every transport
 * runs: early messages are held for the first listener, order is kept,
 * payloads up to the frame limit arrive byte-exact, a full buffer says false
 * and 'drain' follows, close reaches the other side once, and a closed
 * connection refuses sends by throwing.
 */
import { describe, expect, it } from 'vitest'
import type { Connection } from './transport.js'
import { MAX_FRAME_BYTES } from '../wire/constants.js'

export interface ConnectionPair {
  /** Connected ends: a holds the connection to b's peer, b the one to a's. */
  a: Connection
  b: Connection
  dispose(): Promise<void>
}

export interface ConnectionContractOptions {
  /**
   * Whether the remote side's 'close' carries the reason given to close().
   * The seam does not promise it: the relay and WebRTC close the link without
   * a reason field, so the remote gets its own wording.
   */
  carriesCloseReason: boolean
  /**
   * Whether the other side hears of a close within a bound. WebRTC through
   * node-datachannel did not, once in three fresh-clone runs (no 'close' within
   * 10 s): a data channel's close travels as an SCTP stream reset that can be
   * lost, and then only ICE's consent timeout ends the link. Where false, the
   * close cases check the closing side only; the swarm's request timeouts cover
   * a silent peer.
   */
  remoteCloseIsPrompt: boolean
}

const TEST_TIMEOUT_MS = 30_000
/** How long one wait for an event may take: under the test's timeout, so a failing case still disposes its pair. */
const WAIT_MS = 10_000
/** The fill loop's bound: far past every transport's high-water mark. */
const MAX_FILL_BYTES = 64 * 1024 * 1024

function frame(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff
  return bytes
}

/** Resolves with the first `count` messages `connection` delivers. */
function collect(connection: Connection, count: number): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const got: Uint8Array[] = []
    const timer = setTimeout(() => reject(new Error(`${got.length}/${count} messages arrived in ${WAIT_MS} ms`)), WAIT_MS)
    connection.events.on('close', ({ reason }) => reject(new Error(`closed after ${got.length}/${count} messages: ${reason}`)))
    connection.events.on('message', (m) => {
      got.push(m)
      if (got.length < count) return
      clearTimeout(timer)
      resolve(got)
    })
  })
}

function once<T>(connection: Connection, event: 'close' | 'drain'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' in ${WAIT_MS} ms`)), WAIT_MS)
    const listener = (value: unknown) => {
      clearTimeout(timer)
      connection.events.off(event, listener)
      resolve(value as T)
    }
    connection.events.on(event, listener)
  })
}

export function connectionContract(name: string, makePair: () => Promise<ConnectionPair>, options: ConnectionContractOptions): void {
  describe(`Connection contract: ${name}`, () => {
    const withPair = (body: (pair: ConnectionPair) => Promise<void>) => async () => {
      const pair = await makePair()
      try {
        await body(pair)
      } finally {
        await pair.dispose()
      }
    }

    it(
      'holds messages that arrive before the first listener and delivers them in order',
      withPair(async ({ a, b }) => {
        const early = [frame(10, 1), frame(1000, 2), frame(3, 3)]
        for (const m of early) a.send(m)
        // A round trip b → a → b, sent after the early frames: once its answer is
        // due, the early frames have had a one-way trip to arrive unheard.
        const ping = collect(a, 1)
        b.send(Uint8Array.of(0xee))
        await ping
        a.send(Uint8Array.of(0xff))
        const got = await collect(b, early.length + 1)
        expect(got.map((m) => Array.from(m))).toEqual([...early, Uint8Array.of(0xff)].map((m) => Array.from(m)))
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'keeps the order of many messages in both directions',
      withPair(async ({ a, b }) => {
        const count = 500
        const atB = collect(b, count)
        const atA = collect(a, count)
        for (let i = 0; i < count; i++) {
          a.send(new Uint8Array(Uint32Array.of(i).buffer))
          b.send(new Uint8Array(Uint32Array.of(count - i).buffer))
        }
        const order = (ms: Uint8Array[]) => ms.map((m) => new Uint32Array(m.slice().buffer)[0])
        expect(order(await atB)).toEqual(Array.from({ length: count }, (_, i) => i))
        expect(order(await atA)).toEqual(Array.from({ length: count }, (_, i) => count - i))
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'delivers payloads byte-exact, from one byte to the frame limit',
      withPair(async ({ a, b }) => {
        const sizes = [1, 2, 255, 16 * 1024, 64 * 1024 + 1, MAX_FRAME_BYTES - 1, MAX_FRAME_BYTES]
        const sent = sizes.map((size, i) => frame(size, i))
        const got = collect(b, sent.length)
        for (const m of sent) a.send(m)
        const received = await got
        expect(received.map((m) => m.length)).toEqual(sizes)
        received.forEach((m, i) => expect(Buffer.from(m).equals(Buffer.from(sent[i]))).toBe(true))
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'says false once its buffer is full, emits drain once it empties, and loses no byte',
      withPair(async ({ a, b }) => {
        const size = MAX_FRAME_BYTES
        const sent: Uint8Array[] = []
        const drained = once(a, 'drain')
        let accepted = true
        while (accepted && sent.length * size < MAX_FILL_BYTES) {
          const m = frame(size, sent.length)
          sent.push(m)
          accepted = a.send(m)
        }
        expect(accepted).toBe(false)
        const got = collect(b, sent.length + 1)
        await drained
        const after = frame(100, 999)
        a.send(after)
        const received = await got
        expect(received.length).toBe(sent.length + 1)
        ;[...sent, after].forEach((m, i) => expect(Buffer.from(received[i]).equals(Buffer.from(m))).toBe(true))
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'tells the other side once when closed, with local false there and true here',
      withPair(async ({ a, b }) => {
        const remoteClosed = options.remoteCloseIsPrompt ? once<{ reason: string; local: boolean }>(b, 'close') : null
        const localClosed = once(a, 'close')
        let localCloses = 0
        a.events.on('close', ({ reason, local }) => {
          localCloses++
          expect({ reason, local }).toEqual({ reason: 'done here', local: true })
        })
        a.close('done here')
        a.close('again')
        expect(a.closed).toBe(true)
        await localClosed
        if (remoteClosed) {
          const remote = await remoteClosed
          expect(remote.local).toBe(false)
          expect(typeof remote.reason).toBe('string')
          if (options.carriesCloseReason) expect(remote.reason).toBe('done here')
          expect(b.closed).toBe(true)
        }
        expect(localCloses).toBe(1)
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'refuses sends after close by throwing, on both sides',
      withPair(async ({ a, b }) => {
        const remoteClosed = options.remoteCloseIsPrompt ? once(b, 'close') : null
        a.close('bye')
        expect(() => a.send(Uint8Array.of(1))).toThrow(/closed/)
        if (!remoteClosed) return
        await remoteClosed
        expect(() => b.send(Uint8Array.of(1))).toThrow(/closed/)
      }),
      TEST_TIMEOUT_MS,
    )
  })
}
