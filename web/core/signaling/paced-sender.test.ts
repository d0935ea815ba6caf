import { describe, expect, it } from 'vitest'
import { PacedSender, type OutgoingMessage } from './paced-sender.js'

describe('paced sender', () => {
  it('keeps to the rate, sends urgent messages before bulk ones, and keeps one lookup per CID', async () => {
    let clock = 0
    const sent: string[] = []
    const sender = new PacedSender(
      (m: OutgoingMessage) => sent.push(JSON.parse(m.text).type + (JSON.parse(m.text).cid ?? '')),
      10,
      () => clock,
    )
    for (let i = 0; i < 30; i++) sender.push({ type: 'lookup', cid: `c${i % 15}` })
    expect(sent).toHaveLength(10) // the first second's budget
    expect(sender.queued).toBe(15) // 20 more asked: one waits per CID (c10…c14, then c0…c9 again)
    sender.push({ type: 'signal', to: 'x', cid: 'c0', data: {} })
    clock = 1_000
    await expect.poll(() => sent.length).toBe(20) // the next second's budget: the signal and nine lookups
    expect(sent[10]).toBe('signalc0') // jumped the queue
    expect(sender.queued).toBe(6) // the rest waits for the clock, which stands still
    sender.clear()
  })

  it('sends binary parts right after their text message', () => {
    const out: (string | number)[] = []
    const sender = new PacedSender((m) => {
      out.push(JSON.parse(m.text).type)
      for (const b of m.binary ?? []) out.push(b.length)
    }, 5)
    sender.push({ type: 'revoke', cid: 'c', secret: 's', size: 3 }, [Uint8Array.of(1, 2), Uint8Array.of(3)])
    expect(out).toEqual(['revoke', 2, 1])
  })
})
