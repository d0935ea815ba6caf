/**
 * A mirror's piece body read straight into the BLOCK frames that carry it
 * to the swarm: one buffer, each block's bytes right after its frame header,
 * so the body is neither gathered from its chunks nor copied into frames on
 * the way (two copies and two buffers per piece fewer). Where the browser
 * offers a BYOB reader for response bodies, the body is read into place;
 * elsewhere each chunk is copied once, into place.
 *
 * The host is not trusted: the buffer is exactly the manifest's length of
 * the piece (plus headers), and a body that is not exactly that long is
 * refused, after reading at most one byte past it.
 */
import { writeBlockHeader } from '../wire/codec.js'
import { BLOCK_HEADER_BYTES, REQUEST_BLOCK_BYTES } from '../wire/constants.js'

/** Piece `piece`'s bytes laid out as its BLOCK frames. */
export class PieceFrames {
  constructor(
    readonly piece: number,
    readonly length: number,
    readonly buffer: ArrayBuffer,
  ) {}

  /** The BLOCK frames of `offset … offset + length`, or null unless that is a run of whole blocks of the piece. */
  frames(offset: number, length: number): Uint8Array[] | null {
    const end = offset + length
    if (offset % REQUEST_BLOCK_BYTES !== 0 || end > this.length || (end % REQUEST_BLOCK_BYTES !== 0 && end !== this.length)) return null
    const frames: Uint8Array[] = []
    for (let at = offset; at < end; at += REQUEST_BLOCK_BYTES) {
      const block = at / REQUEST_BLOCK_BYTES
      frames.push(new Uint8Array(this.buffer, frameStart(block), BLOCK_HEADER_BYTES + Math.min(REQUEST_BLOCK_BYTES, end - at)))
    }
    return frames
  }
}

/** Where block `b`'s frame starts in the buffer. */
const frameStart = (b: number) => b * (BLOCK_HEADER_BYTES + REQUEST_BLOCK_BYTES)

/** Where the body's byte `i` goes in the buffer. */
const slotOf = (i: number) => frameStart(Math.floor(i / REQUEST_BLOCK_BYTES)) + BLOCK_HEADER_BYTES + (i % REQUEST_BLOCK_BYTES)

/** Reads `body` as piece `piece` of `length` bytes: its frames, or why the body was refused. */
export async function readPieceFrames(
  body: ReadableStream<Uint8Array> | null,
  piece: number,
  length: number,
): Promise<PieceFrames | 'short' | 'long'> {
  const blocks = Math.ceil(length / REQUEST_BLOCK_BYTES)
  let buffer = new ArrayBuffer(blocks * BLOCK_HEADER_BYTES + length)
  const headers = new Uint8Array(buffer)
  for (let b = 0; b < blocks; b++) writeBlockHeader(headers, frameStart(b), piece, b * REQUEST_BLOCK_BYTES)
  if (!body) return length === 0 ? new PieceFrames(piece, length, buffer) : 'short'
  let byob: ReadableStreamBYOBReader | undefined
  try {
    byob = body.getReader({ mode: 'byob' })
  } catch {
    // Not a byte stream here: the default reader, each chunk copied into place.
  }
  if (byob) {
    const got = await readInPlace(byob, buffer, length)
    if (typeof got === 'string') return got
    buffer = got // the reads moved the bytes to a buffer of their own: the same memory
  } else {
    const got = await copyInto(body.getReader(), new Uint8Array(buffer), length)
    if (got) return got
  }
  return new PieceFrames(piece, length, buffer)
}

/** Fills every block's slot from a BYOB reader; returns the buffer the bytes ended up in, or why the body was refused. */
async function readInPlace(reader: ReadableStreamBYOBReader, buffer: ArrayBuffer, length: number): Promise<ArrayBuffer | 'short' | 'long'> {
  for (let i = 0; i < length; ) {
    const room = Math.min(REQUEST_BLOCK_BYTES - (i % REQUEST_BLOCK_BYTES), length - i)
    const { done, value } = await reader.read(new Uint8Array(buffer, slotOf(i), room))
    if (done || !value) return 'short'
    buffer = value.buffer as ArrayBuffer
    i += value.length
  }
  // One byte more tells a body that is too long.
  const more = await reader.read(new Uint8Array(1))
  if (!more.done) {
    await reader.cancel()
    return 'long'
  }
  return buffer
}

/** Copies the body's chunks into their slots; returns why the body was refused, or undefined. */
async function copyInto(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  out: Uint8Array,
  length: number,
): Promise<'short' | 'long' | undefined> {
  let i = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return i === length ? undefined : 'short'
    if (i + value.length > length) {
      await reader.cancel()
      return 'long'
    }
    for (let at = 0; at < value.length; ) {
      const take = Math.min(REQUEST_BLOCK_BYTES - (i % REQUEST_BLOCK_BYTES), value.length - at)
      out.set(value.subarray(at, at + take), slotOf(i))
      at += take
      i += take
    }
  }
}
