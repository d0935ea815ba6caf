import { describe, expect, it } from 'vitest'
import { ManualClock } from '../util/clock.js'
import { type OutgoingMessage, PacedSender } from './paced-sender.js'

/** What went out, in order: a text message's type and CID, or `frame:<first byte>`. */
function recorder() {
  const sent: string[] = []
  const deliver = (m: OutgoingMessage) => {
    if ('frame' in m) return void sent.push(`frame:${m.frame[0]}`)
    const message = JSON.parse(m.text)
    sent.push(message.type + (message.cid ?? ''))
    for (const b of m.binary ?? []) sent.push(`part:${b.length}`)
  }
  return { sent, deliver }
}

describe('paced sender', () => {
  it('keeps to the rate, sends urgent messages before bulk ones, and keeps one lookup per CID', () => {
    const clock = new ManualClock()
    const { sent, deliver } = recorder()
    const sender = new PacedSender(deliver, 10, clock)
    for (let i = 0; i < 30; i++) sender.push({ type: 'lookup', cid: `c${i % 15}` })
    expect(sent).toHaveLength(10) // the first second's budget
    expect(sender.queued).toBe(15) // 20 more asked: one waits per CID (c10…c14, then c0…c9 again)
    sender.push({ type: 'signal', to: 'x', cid: 'c0', data: {} })
    clock.advance(999)
    expect(sent.length).toBeLessThan(20)
    clock.advance(1)
    expect(sent).toHaveLength(20) // the next second's budget: the signal and nine lookups
    expect(sent[10]).toBe('signalc0') // jumped the queue
    expect(sender.queued).toBe(6)
    sender.clear()
  })

  it('sends binary parts right after their text message', () => {
    const { sent, deliver } = recorder()
    const sender = new PacedSender(deliver, 5, new ManualClock())
    sender.push({ type: 'revoke', cid: 'c', secret: 's', size: 3 }, [Uint8Array.of(1, 2), Uint8Array.of(3)])
    expect(sent).toEqual(['revokec', 'part:2', 'part:1'])
  })

  it('sends a relay frame at once when no text waits, and never ahead of a waiting relay-open', () => {
    const clock = new ManualClock()
    const { sent, deliver } = recorder()
    const sender = new PacedSender(deliver, 1, clock)
    sender.pushFrame(Uint8Array.of(1))
    expect(sent).toEqual(['frame:1']) // nothing queued: no wait, and no share of the rate taken
    sender.push({ type: 'signal', to: 'x', cid: 'c', data: {} }) // spends the one token
    sender.push({ type: 'relay-open', to: 'y', cid: 'c' }) // waits a second for the next
    sender.pushFrame(Uint8Array.of(2))
    sender.pushFrame(Uint8Array.of(3))
    expect(sent).toEqual(['frame:1', 'signalc'])
    expect(sender.framesWaiting).toBe(2)
    clock.advance(1_000)
    expect(sent).toEqual(['frame:1', 'signalc', 'relay-openc', 'frame:2', 'frame:3'])
    expect(sender.framesWaiting).toBe(0)
  })

  it('starts a new connection with a full budget, so its first message (the hello) goes out at once', () => {
    const clock = new ManualClock()
    const { sent, deliver } = recorder()
    const sender = new PacedSender(deliver, 2, clock)
    for (let i = 0; i < 5; i++) sender.push({ type: 'signal', to: 'x', cid: `c${i}`, data: {} })
    expect(sent).toHaveLength(2) // the budget is spent, three wait
    sender.clear() // the connection dropped; a new one opens at the same instant
    sender.push({ type: 'hello', protocol: 2 })
    expect(sent).toEqual(['signalc0', 'signalc1', 'hello'])
    expect(sender.queued).toBe(0)
  })
})
