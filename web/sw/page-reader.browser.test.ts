/**
 * The worker's side of a save against a page on a real MessageChannel in
 * Chromium: it pulls one answer at a time, passes the page's bytes through,
 * and fails the download, never passing it off as whole, when the page
 * sends more or less than the file's size or reports an error, and ignores
 * answers to what it did not ask. A cancelled download tells the page to stop.
 */
import { describe, expect, it } from 'vitest'
import type { SavePageMessage, SaveRequest, SaveWorkerMessage } from '../../format/save-protocol.js'
import { PageReader } from './page-reader.js'

const request = (size: number): SaveRequest => ({
  type: 'save',
  id: 'test',
  name: 'a.bin',
  files: [{ index: 0, offset: 0, path: 'a.bin', size, type: '' }],
})

/** A reader over a channel whose page side answers each message with `answer`'s replies. */
function readerWith(size: number, answer: (m: SaveWorkerMessage, pulls: number) => SavePageMessage[]) {
  const channel = new MessageChannel()
  const seen: SaveWorkerMessage[] = []
  let pulls = 0
  channel.port2.onmessage = (event) => {
    const message = event.data as SaveWorkerMessage
    seen.push(message)
    if (message.type === 'pull') pulls++
    for (const reply of answer(message, pulls)) channel.port2.postMessage(reply)
  }
  const reader = new PageReader(request(size), channel.port1, undefined)
  return { reader, seen, stream: reader.stream(reader.fileBytes(0)) }
}

const bytes = (n: number, fill: number): SavePageMessage => ({ type: 'bytes', file: 0, bytes: new Uint8Array(n).fill(fill).buffer })
/** Everything the stream gives, or its error as the download manager would see it. */
async function read(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: number[] = []
  const reader = stream.getReader()
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) parts.push(...chunk.value)
  return new Uint8Array(parts)
}

describe('PageReader', () => {
  it("streams the page's answers in order, one pull at a time", async () => {
    const { stream, seen } = readerWith(10, (m, pulls) =>
      m.type !== 'pull' ? [] : pulls <= 2 ? [bytes(5, pulls)] : [{ type: 'end', file: 0 }],
    )
    expect(await read(stream)).toEqual(new Uint8Array([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]))
    expect(seen).toEqual([
      { type: 'pull', file: 0 },
      { type: 'pull', file: 0 },
      { type: 'pull', file: 0 },
    ])
  })

  it('fails the download when the page sends more than the file holds, and tells it to stop', async () => {
    const { stream, seen } = readerWith(8, (m) => (m.type === 'pull' ? [bytes(5, 1)] : []))
    await expect(read(stream)).rejects.toThrow()
    await expect.poll(() => seen.at(-1)).toEqual({ type: 'cancel' })
  })

  it('fails the download when the page ends the file early', async () => {
    const { stream } = readerWith(8, (m, pulls) => (m.type !== 'pull' ? [] : pulls === 1 ? [bytes(5, 1)] : [{ type: 'end', file: 0 }]))
    await expect(read(stream)).rejects.toThrow()
  })

  it('ignores answers to what was not asked: another file, bytes that are not a buffer', async () => {
    const { stream } = readerWith(4, (m, pulls) => {
      if (m.type !== 'pull') return []
      if (pulls > 1) return [{ type: 'end', file: 0 }]
      const notABuffer = { type: 'bytes', file: 0, bytes: 'AAAA' } as unknown as SavePageMessage
      return [{ type: 'bytes', file: 7, bytes: new Uint8Array(4).buffer }, notABuffer, bytes(4, 9)]
    })
    expect(await read(stream)).toEqual(new Uint8Array([9, 9, 9, 9]))
  })

  it("fails the download with the page's reason when the page reports an error", async () => {
    const { stream } = readerWith(4, (m) => (m.type === 'pull' ? [{ type: 'error', message: 'the drop was revoked' }] : []))
    await expect(read(stream)).rejects.toThrow('the drop was revoked')
  })

  it('tells the page to stop when the download is cancelled', async () => {
    const { stream, seen } = readerWith(100, (m) => (m.type === 'pull' ? [bytes(1, 1)] : []))
    const reader = stream.getReader()
    await reader.read()
    await reader.cancel()
    await expect.poll(() => seen.at(-1)).toEqual({ type: 'cancel' })
  })
})
