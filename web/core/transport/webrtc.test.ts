/**
 * WebRTC dialing through node-datachannel on loopback: the offerer tells the
 * answerer none of its addresses before it has applied the answer, so the
 * answerer's ICE checks and DTLS hello cannot reach it while libdatachannel
 * has the answer half applied (see offerer-candidates.ts).
 */
import { expect, it } from 'vitest'
import { dialLoopback, loopbackDialOptions, loopbackWebRtcPair } from './webrtc.fixtures.js'
import type { Connection, Dial } from './transport.js'
import { MAX_FRAME_BYTES } from '../wire/constants.js'

type Signal = Record<string, unknown>

function carriesAddress(data: Signal): boolean {
  return data.type === 'candidate' || (typeof data.sdp === 'string' && /^a=candidate:/m.test(data.sdp))
}

it('keeps the offerer’s addresses back until its answer is in, and connects', async () => {
  const beforeAnswer: Signal[] = []
  let answerIn = false
  // The answerer's signals (answer first) reach the offerer once the answerer has
  // gathered a candidate of its own: by then the offerer had gathered long since.
  const fromAnswerer: Signal[] = []
  const offerer: Dial = dialLoopback(
    loopbackDialOptions(true, 'peer-b', (data) => {
      if (!answerIn) beforeAnswer.push(data)
      answerer.signal(data)
    }),
  )
  const answerer: Dial = dialLoopback(
    loopbackDialOptions(false, 'peer-a', (data) => {
      fromAnswerer.push(data)
      if (!answerIn && data.type !== 'candidate') return
      answerIn = true
      for (const signal of fromAnswerer.splice(0)) offerer.signal(signal)
    }),
  )
  const ends: Connection[] = []
  try {
    for (const attempt of [offerer, answerer]) ends.push(await attempt.connected)
    expect(beforeAnswer.map((data) => data.type)).toEqual(['offer'])
    expect(beforeAnswer.filter(carriesAddress)).toEqual([])
    const [a, b] = ends
    const got = new Promise<Uint8Array>((resolve) => b.events.on('message', resolve))
    a.send(Uint8Array.of(1, 2, 3))
    expect(Array.from(await got)).toEqual([1, 2, 3])
  } finally {
    offerer.abort('test over')
    answerer.abort('test over')
    for (const end of ends) if (!end.closed) end.close('test over')
  }
}, 30_000)

it('answers each false send() with exactly one drain, once the buffer is low again', async () => {
  const [a, b] = await loopbackWebRtcPair()
  try {
    let drains = 0
    let drained = () => {}
    a.events.on('drain', () => {
      drains++
      drained()
    })
    let sent = 0
    let falses = 0
    /** Sends one full frame; on false, waits for the drain and checks the connection takes a frame again. */
    const sendFrame = async () => {
      sent++
      if (a.send(new Uint8Array(MAX_FRAME_BYTES))) return true
      falses++
      await new Promise<void>((resolve) => (drained = resolve))
      sent++
      expect(a.send(Uint8Array.of(falses))).toBe(true)
      return false
    }
    let got = 0
    let arrivedAll = () => {}
    b.events.on('message', () => ++got === sent && arrivedAll())
    // Yielding between sends lets the buffer fill and empty while send() says true:
    // the channel's threshold crossings then come when no caller waits for them.
    for (let i = 0; i < 40; i++) {
      if (await sendFrame()) await new Promise((resolve) => setImmediate(resolve))
    }
    // Then one burst, so at least one send() says false whatever the machine's speed.
    for (let i = 0; i < 64 && (await sendFrame()); i++);
    await new Promise<void>((resolve) => (got === sent ? resolve() : (arrivedAll = resolve)))
    expect(falses).toBeGreaterThan(0)
    expect(drains).toBe(falses)
  } finally {
    for (const end of [a, b]) if (!end.closed) end.close('test over')
  }
}, 30_000)
