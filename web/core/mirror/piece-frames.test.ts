/**
 * A mirror's piece body read into its BLOCK frames, through a BYOB reader
 * (a byte stream, as browsers' and Node's fetch bodies are) and through the
 * default reader (any other stream), whatever the chunking: the frames
 * decode to the piece's blocks, byte for byte; a body one byte short or
 * long, or endless, is refused without reading more than one byte past it.
 */
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame } from '../wire/codec.js'
import { REQUEST_BLOCK_BYTES } from '../wire/constants.js'
import { pseudoRandomBytes } from '../util/random.js'
import { concatBytes } from '../util/bytes.js'
import { PieceFrames, readPieceFrames } from './piece-frames.js'

const LENGTH = 2 * REQUEST_BLOCK_BYTES + 5_000 // two whole blocks and a short last one

/** A stream of `bytes` cut at `cuts` (sizes, repeated); a byte stream when `bytesType`. */
function streamOf(bytes: Uint8Array, cuts: number[], bytesType: boolean): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let at = 0
  let turn = 0
  const next = () => {
    const n = Math.min(cuts[turn++ % cuts.length], bytes.length - at)
    const chunk = bytes.slice(at, at + n)
    at += n
    return chunk
  }
  const stream = bytesType
    ? new ReadableStream({
        type: 'bytes',
        pull(c) {
          if (at < bytes.length) return c.enqueue(next())
          c.close()
          c.byobRequest?.respond(0) // a pending BYOB read ends only once its request is answered
        },
      })
    : new ReadableStream<Uint8Array>({
        pull(c) {
          if (at >= bytes.length) return c.close()
          c.enqueue(next())
        },
      })
  return { stream, pulled: () => at }
}

/** The blocks the frames carry, joined, after checking each frame is a BLOCK of `piece` at the right offset. */
function payload(frames: Uint8Array[], piece: number, from: number): Uint8Array {
  const blocks = frames.map((frame, i) => {
    const f = decodeFrame(frame)
    if (f.kind !== 'block') throw new Error(`frame ${i} is ${f.kind}`)
    expect([f.piece, f.offset]).toEqual([piece, from + i * REQUEST_BLOCK_BYTES])
    return f.data
  })
  return concatBytes(blocks)
}

describe.each([
  ['a BYOB reader', true],
  ['the default reader', false],
])('a piece read through %s', (_, bytesType) => {
  const piece = pseudoRandomBytes(LENGTH, 7)

  it.each([[[LENGTH]], [[1, 7, 65_536, 200_001]], [[REQUEST_BLOCK_BYTES + 3]]])('becomes its BLOCK frames, chunks %j', async (cuts) => {
    const read = await readPieceFrames(streamOf(piece, cuts, bytesType).stream, 42, LENGTH)
    if (!(read instanceof PieceFrames)) throw new Error(`refused: ${read}`)
    const frames = read.frames(0, LENGTH)!
    expect(frames).toHaveLength(3)
    expect(payload(frames, 42, 0)).toEqual(piece)
    // Each frame is what encodeFrame makes of the block.
    expect(frames[2]).toEqual(
      encodeFrame({ kind: 'block', piece: 42, offset: 2 * REQUEST_BLOCK_BYTES, data: piece.subarray(2 * REQUEST_BLOCK_BYTES) }),
    )
    // A run of whole blocks inside the piece; anything else is not cut.
    expect(payload(read.frames(REQUEST_BLOCK_BYTES, REQUEST_BLOCK_BYTES)!, 42, REQUEST_BLOCK_BYTES)).toEqual(
      piece.subarray(REQUEST_BLOCK_BYTES, 2 * REQUEST_BLOCK_BYTES),
    )
    expect(read.frames(1, REQUEST_BLOCK_BYTES)).toBeNull()
    expect(read.frames(0, REQUEST_BLOCK_BYTES + 1)).toBeNull()
    expect(read.frames(2 * REQUEST_BLOCK_BYTES, 5_001)).toBeNull()
  })

  it('refuses a body one byte short or one byte long', async () => {
    expect(await readPieceFrames(streamOf(piece.subarray(0, LENGTH - 1), [70_000], bytesType).stream, 1, LENGTH)).toBe('short')
    const long = new Uint8Array(LENGTH + 1)
    long.set(piece)
    expect(await readPieceFrames(streamOf(long, [70_000], bytesType).stream, 1, LENGTH)).toBe('long')
  })

  it('stops reading an endless body one chunk past the piece', async () => {
    const endless = streamOf(new Uint8Array(64 * LENGTH), [4096], bytesType)
    expect(await readPieceFrames(endless.stream, 1, LENGTH)).toBe('long')
    expect(endless.pulled()).toBeLessThan(LENGTH + 3 * 4096) // what the stream queued ahead, at most
  })
})

it('a piece without a body is short', async () => {
  expect(await readPieceFrames(null, 0, LENGTH)).toBe('short')
})
