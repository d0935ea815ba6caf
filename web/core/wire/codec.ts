/**
 * The peer wire codec: one binary frame per data-channel (or relay) message.
 *
 * Every frame starts with the wire version and a kind byte; integers are
 * big-endian u32. Layouts after those two bytes:
 *
 * | kind | name             | payload                                              |
 * |------|------------------|------------------------------------------------------|
 * | 1    | HELLO            | CID digest (32) ‖ flags (1) ‖ piece count ‖ bitfield  |
 * | 2    | HAVE             | piece                                                |
 * | 3    | REQUEST          | piece ‖ offset ‖ length (≤ 4 MiB: one or more blocks) |
 * | 4    | BLOCK            | piece ‖ offset ‖ bytes                               |
 * | 5    | CANCEL           | piece ‖ offset ‖ length                              |
 * | 6    | REJECT           | piece ‖ offset ‖ length (the peer will not send it)  |
 * | 7    | MANIFEST_REQUEST | offset                                               |
 * | 8    | MANIFEST_PART    | total length ‖ offset ‖ bytes                        |
 * | 9    | CLOSE            | reason (UTF-8)                                       |
 * | 10   | TOMBSTONE        | revoke secret (32): the drop was revoked, check it    |
 *
 * HELLO flags: bit 0 = "I hold the manifest". Without it the piece count
 * must be 0 and the bitfield empty; with it the bitfield has ⌈count/8⌉ bytes. The decoder checks shape and limits only; whether a piece
 * index is in range is for the caller, who knows the manifest.
 */
import { BLOCK_HEADER_BYTES, MAX_FRAME_BYTES, MAX_REASON_BYTES, MAX_REQUEST_BYTES, WIRE_VERSION } from './constants.js'
import { MAX_MANIFEST_BYTES, MAX_PIECES } from '../../../format/limits.js'
import { InvalidFrameError } from '../util/errors.js'

export type Frame =
  | { kind: 'hello'; cidDigest: Uint8Array; hasManifest: boolean; pieceCount: number; bitfield: Uint8Array }
  | { kind: 'have'; piece: number }
  | { kind: 'request'; piece: number; offset: number; length: number }
  | { kind: 'block'; piece: number; offset: number; data: Uint8Array }
  | { kind: 'cancel'; piece: number; offset: number; length: number }
  | { kind: 'reject'; piece: number; offset: number; length: number }
  | { kind: 'manifest-request'; offset: number }
  | { kind: 'manifest-part'; total: number; offset: number; data: Uint8Array }
  | { kind: 'close'; reason: string }
  | { kind: 'tombstone'; secret: Uint8Array }

const KIND_CODES = {
  hello: 1,
  have: 2,
  request: 3,
  block: 4,
  cancel: 5,
  reject: 6,
  'manifest-request': 7,
  'manifest-part': 8,
  close: 9,
  tombstone: 10,
} as const satisfies Record<Frame['kind'], number>

/** The same table read the other way: the decoder's only source of kind numbers. */
const KIND_BY_CODE = new Map<number, Frame['kind']>(Object.entries(KIND_CODES).map(([kind, code]) => [code, kind as Frame['kind']]))

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

function frame(kind: Frame['kind'], payloadLength: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(2 + payloadLength)
  out[0] = WIRE_VERSION
  out[1] = KIND_CODES[kind]
  return { out, view: new DataView(out.buffer) }
}

export function encodeFrame(f: Frame): Uint8Array {
  switch (f.kind) {
    case 'hello': {
      const { out, view } = frame(f.kind, 37 + f.bitfield.length)
      out.set(f.cidDigest, 2)
      out[34] = f.hasManifest ? 1 : 0
      view.setUint32(35, f.pieceCount)
      out.set(f.bitfield, 39)
      return out
    }
    case 'have': {
      const { out, view } = frame(f.kind, 4)
      view.setUint32(2, f.piece)
      return out
    }
    case 'request':
    case 'cancel':
    case 'reject': {
      const { out, view } = frame(f.kind, 12)
      view.setUint32(2, f.piece)
      view.setUint32(6, f.offset)
      view.setUint32(10, f.length)
      return out
    }
    case 'block':
      return twoNumbersAndBytes(f.kind, f.piece, f.offset, f.data)
    case 'manifest-request': {
      const { out, view } = frame(f.kind, 4)
      view.setUint32(2, f.offset)
      return out
    }
    case 'manifest-part':
      return twoNumbersAndBytes(f.kind, f.total, f.offset, f.data)
    case 'close': {
      let reason = encoder.encode(f.reason)
      // Cut long reasons at a character boundary so the frame stays valid UTF-8.
      for (let chars = f.reason.length; reason.length > MAX_REASON_BYTES; chars = Math.floor(chars * 0.9)) {
        reason = encoder.encode(f.reason.slice(0, chars))
      }
      const { out } = frame(f.kind, reason.length)
      out.set(reason, 2)
      return out
    }
    case 'tombstone': {
      const { out } = frame(f.kind, 32)
      out.set(f.secret, 2)
      return out
    }
  }
}

/**
 * Writes a BLOCK frame's header (BLOCK_HEADER_BYTES) at `at` in `target`: the
 * frame is then the header and the block's bytes right after it. For a
 * sender that lays blocks out as frames from the start (a mirror's piece,
 * read straight into place) instead of copying each into encodeFrame's.
 */
export function writeBlockHeader(target: Uint8Array, at: number, piece: number, offset: number): void {
  const view = new DataView(target.buffer, target.byteOffset + at, BLOCK_HEADER_BYTES)
  view.setUint8(0, WIRE_VERSION)
  view.setUint8(1, KIND_CODES.block)
  view.setUint32(2, piece)
  view.setUint32(6, offset)
}

/** BLOCK and MANIFEST_PART: two u32 fields, then bytes. */
function twoNumbersAndBytes(kind: 'block' | 'manifest-part', first: number, second: number, data: Uint8Array): Uint8Array {
  const { out, view } = frame(kind, 8 + data.length)
  if (out.length > MAX_FRAME_BYTES) throw new RangeError(`frame of ${out.length} bytes exceeds ${MAX_FRAME_BYTES}`)
  view.setUint32(2, first)
  view.setUint32(6, second)
  out.set(data, 10)
  return out
}

function fail(message: string): never {
  throw new InvalidFrameError(message)
}

function expectLength(bytes: Uint8Array, length: number, name: string): void {
  if (bytes.length !== length) fail(`${name} frame must be ${length} bytes, got ${bytes.length}`)
}

/** Decodes one frame; throws InvalidFrameError on anything malformed. Payload bytes are views into `bytes`. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < 2) fail('frame is shorter than its header')
  if (bytes.length > MAX_FRAME_BYTES) fail(`frame of ${bytes.length} bytes exceeds ${MAX_FRAME_BYTES}`)
  if (bytes[0] !== WIRE_VERSION) fail(`unsupported wire version ${bytes[0]}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u32 = (at: number) => view.getUint32(at)
  const kind = KIND_BY_CODE.get(bytes[1])
  switch (kind) {
    case 'hello': {
      if (bytes.length < 39) fail('HELLO frame is truncated')
      const flags = bytes[34]
      if (flags > 1) fail('HELLO has unknown flags')
      const hasManifest = flags === 1
      const pieceCount = u32(35)
      if (pieceCount > MAX_PIECES) fail('HELLO announces too many pieces')
      if (!hasManifest && pieceCount !== 0) fail('HELLO counts pieces without a manifest')
      expectLength(bytes, 39 + Math.ceil(pieceCount / 8), 'HELLO')
      const bitfield = bytes.subarray(39)
      const spare = pieceCount % 8
      if (spare !== 0 && (bitfield[bitfield.length - 1] & (0xff >> spare)) !== 0) fail('HELLO bitfield has spare bits set')
      return { kind: 'hello', cidDigest: bytes.subarray(2, 34), hasManifest, pieceCount, bitfield }
    }
    case 'have':
      expectLength(bytes, 6, 'HAVE')
      return { kind: 'have', piece: u32(2) }
    case 'request':
    case 'cancel':
    case 'reject': {
      expectLength(bytes, 14, kind.toUpperCase())
      const length = u32(10)
      if (length === 0 || length > MAX_REQUEST_BYTES) fail(`${kind} length ${length} is out of range`)
      return { kind, piece: u32(2), offset: u32(6), length }
    }
    case 'block':
      if (bytes.length < 11) fail('BLOCK frame carries no bytes')
      return { kind: 'block', piece: u32(2), offset: u32(6), data: bytes.subarray(10) }
    case 'manifest-request':
      expectLength(bytes, 6, 'MANIFEST_REQUEST')
      return { kind: 'manifest-request', offset: u32(2) }
    case 'manifest-part': {
      if (bytes.length < 10) fail('MANIFEST_PART frame is truncated')
      const total = u32(2)
      const offset = u32(6)
      const data = bytes.subarray(10)
      if (total === 0 || total > MAX_MANIFEST_BYTES) fail(`manifest length ${total} is out of range`)
      if (offset + data.length > total) fail('MANIFEST_PART runs past the manifest length')
      if (data.length === 0) fail('MANIFEST_PART carries no bytes')
      return { kind: 'manifest-part', total, offset, data }
    }
    case 'close':
      if (bytes.length - 2 > MAX_REASON_BYTES) fail('CLOSE reason is too long')
      try {
        return { kind: 'close', reason: decoder.decode(bytes.subarray(2)) }
      } catch {
        return fail('CLOSE reason is not UTF-8')
      }
    case 'tombstone':
      expectLength(bytes, 34, 'TOMBSTONE')
      return { kind: 'tombstone', secret: bytes.subarray(2) }
    case undefined:
      fail(`unknown frame kind ${bytes[1]}`)
  }
}
