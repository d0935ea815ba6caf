/**
 * The worker's side of the reads protocol against a page on a real
 * MessageChannel in Chromium: one pull at a time per read, the page's bytes
 * passed through in order, and a read that fails, never passing as whole,
 * when the page sends more or fewer bytes than asked, reports an error or
 * goes away. Answers to what was not asked are ignored; a consumer that
 * stops tells the page to stop.
 */
import { describe, expect, it } from 'vitest'
import type { PageMessage, SaveFile, WorkerMessage } from '../../format/worker-protocol.js'
import { PageReads, responseStream } from './page-reads.js'

const file = (size: number): SaveFile => ({ index: 0, offset: 0, path: 'a.bin', size, type: '' })

/** Reads over a channel whose page side answers each message with `answer`'s replies. */
function pageAnswering(answer: (m: WorkerMessage, pulls: number) => PageMessage[]) {
  const channel = new MessageChannel()
  const seen: WorkerMessage[] = []
  let pulls = 0
  channel.port2.onmessage = (event) => {
    const message = event.data as WorkerMessage
    seen.push(message)
    if (message.type === 'pull') pulls++
    for (const reply of answer(message, pulls)) channel.port2.postMessage(reply)
  }
  return { reads: new PageReads(channel.port1, undefined), seen }
}

const bytes = (n: number, fill: number, read = 0): PageMessage => ({ type: 'bytes', read, bytes: new Uint8Array(n).fill(fill).buffer })

/** Everything a read gives, or its error. */
async function all(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: number[] = []
  for await (const chunk of source) parts.push(...chunk)
  return new Uint8Array(parts)
}

describe('PageReads', () => {
  it("passes the page's answers through in order, one pull at a time, and asks nothing past the range", async () => {
    const { reads, seen } = pageAnswering((m, pulls) => (m.type === 'pull' ? [bytes(5, pulls)] : []))
    expect(await all(reads.read(file(100), 20, 30))).toEqual(new Uint8Array([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]))
    expect(seen).toEqual([
      { type: 'pull', read: 0, file: 0, start: 20, end: 30 },
      { type: 'pull', read: 0, file: 0, start: 20, end: 30 },
    ])
  })

  it('fails a read when the page sends more than was asked, and tells it to stop', async () => {
    const { reads, seen } = pageAnswering((m) => (m.type === 'pull' ? [bytes(5, 1)] : []))
    await expect(all(reads.read(file(8), 0, 8))).rejects.toThrow(/more than the 8 bytes/)
    await expect.poll(() => seen.at(-1)).toEqual({ type: 'cancel', read: 0 })
  })

  it('fails a read the page ends early', async () => {
    const { reads } = pageAnswering((m, pulls) => (m.type !== 'pull' ? [] : pulls === 1 ? [bytes(5, 1)] : [{ type: 'end', read: 0 }]))
    await expect(all(reads.read(file(8), 0, 8))).rejects.toThrow(/after 5 of 8 bytes/)
  })

  it('ignores answers to what was not asked: another read, bytes that are not a buffer', async () => {
    const { reads } = pageAnswering((m) => {
      if (m.type !== 'pull') return []
      const notABuffer = { type: 'bytes', read: 0, bytes: 'AAAA' } as unknown as PageMessage
      return [bytes(4, 7, 5), notABuffer, bytes(4, 9)]
    })
    expect(await all(reads.read(file(4), 0, 4))).toEqual(new Uint8Array([9, 9, 9, 9]))
  })

  it("fails a read with the page's reason when the page reports an error, and all of them when it goes", async () => {
    const { reads } = pageAnswering((m) =>
      m.type !== 'pull'
        ? []
        : m.start === 0
          ? [{ type: 'error', read: m.read, message: 'the drop was revoked' }]
          : [{ type: 'gone', message: 'reloaded' }],
    )
    await expect(all(reads.read(file(4), 0, 4))).rejects.toThrow('the drop was revoked')
    expect(reads.closed).toBe(false)
    await expect(all(reads.read(file(4), 1, 4))).rejects.toThrow('reloaded')
    expect(reads.closed).toBe(true)
    await expect(all(reads.read(file(4), 2, 4))).rejects.toThrow('reloaded')
  })

  it('keeps reads apart: two at once get their own bytes', async () => {
    const { reads } = pageAnswering((m) => (m.type === 'pull' ? [bytes(m.end - m.start, m.start, m.read)] : []))
    const [a, b] = await Promise.all([all(reads.read(file(10), 0, 2)), all(reads.read(file(10), 5, 8))])
    expect(a).toEqual(new Uint8Array([0, 0]))
    expect(b).toEqual(new Uint8Array([5, 5, 5]))
  })

  it('a cancelled response stops its read at the page and says why', async () => {
    const { reads, seen } = pageAnswering((m) => (m.type === 'pull' ? [bytes(1, 1)] : []))
    const ended: (string | undefined)[] = []
    const reader = responseStream(reads.read(file(100), 0, 100), (why) => ended.push(why)).getReader()
    await reader.read()
    await reader.cancel()
    await expect.poll(() => seen.at(-1)).toEqual({ type: 'cancel', read: 0 })
    expect(ended).toEqual(['the download was cancelled'])
  })
})
