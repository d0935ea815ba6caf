/**
 * The messages one server process publishes to another's channel for peers
 * connected there: frames of [peer id: 22 bytes][0 text | 1 binary][length:
 * u32 BE][body], several to a payload (a turn's worth for that process). Only
 * server processes publish, but a payload is still parsed as untrusted: a
 * frame that is malformed ends the payload, nothing past it is delivered.
 */
const PEER_ID = /^[A-Za-z0-9_-]{22}$/
const HEADER = 27
const TEXT = 0
const BINARY = 1

export interface Routed {
  to: string
  message: string | Uint8Array
}

export const isPeerId = (id: string): boolean => PEER_ID.test(id)

/** `to` must be a peer id (isPeerId). */
export function encodeRouted(to: string, message: string | Uint8Array): Buffer {
  const body =
    typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message.buffer, message.byteOffset, message.byteLength)
  const frame = Buffer.allocUnsafe(HEADER + body.length)
  frame.write(to, 0, 'latin1')
  frame[22] = typeof message === 'string' ? TEXT : BINARY
  frame.writeUInt32BE(body.length, 23)
  body.copy(frame, HEADER)
  return frame
}

/** The well-formed frames of a payload, up to the first that is not. */
export function decodeRouted(payload: Buffer): { messages: Routed[]; malformed: boolean } {
  const messages: Routed[] = []
  let at = 0
  while (at < payload.length) {
    if (payload.length - at < HEADER) return { messages, malformed: true }
    const to = payload.toString('latin1', at, at + 22)
    const kind = payload[at + 22]
    const length = payload.readUInt32BE(at + 23)
    const end = at + HEADER + length
    if (!PEER_ID.test(to) || (kind !== TEXT && kind !== BINARY) || end > payload.length) return { messages, malformed: true }
    const body = payload.subarray(at + HEADER, end)
    messages.push({ to, message: kind === TEXT ? body.toString('utf8') : new Uint8Array(body) })
    at = end
  }
  return { messages, malformed: false }
}
