/**
 * A DialFn over in-memory pairs, negotiated through real signaling messages
 * (an offer carrying a token, an answer), so engine tests exercise the same
 * dial, signal and connect path as WebRTC.
 */
import type { Connection, Dial, DialFn } from './transport.js'
import { endingOnRefusal } from './direct-off.js'
import { type MemoryLinkOptions, memoryPair } from './memory.js'

const pending = new Map<string, Connection>()
let nextToken = 0

export interface MemoryDialOptions extends MemoryLinkOptions {
  /** The offer goes out after this long: a slow direct path, for relay-then-upgrade tests. */
  delayMs?: number
  /** Direct connections never open, as when ICE finds no path. */
  unreachable?: boolean
}

/** `self` returns the dialing side's own peer id (from its signaling client). */
export function memoryDialer(self: () => string | undefined, link: MemoryDialOptions = {}): DialFn {
  return endingOnRefusal(({ remotePeer, initiator, sendSignal, connectTimeoutMs }): Dial => {
    let resolve!: (c: Connection) => void
    let reject!: (e: Error) => void
    const connected = new Promise<Connection>((res, rej) => {
      resolve = res
      reject = rej
    })
    connected.catch(() => {})
    const timer = setTimeout(() => reject(new Error('timed out connecting to the peer')), connectTimeoutMs)
    let mine: Connection | undefined
    if (initiator) {
      const token = `t${nextToken++}`
      // [our end, whose remote is remotePeer; the responder's end, whose remote is us]
      const [ours, theirs] = memoryPair(self() ?? '?', remotePeer, link)
      mine = ours
      pending.set(token, theirs)
      if (!link.unreachable) setTimeout(() => sendSignal({ type: 'offer', token }), link.delayMs ?? 0)
    }
    return {
      connected,
      signal(data) {
        if (link.unreachable) return
        if (data.type === 'offer' && !initiator) {
          const end = pending.get(String(data.token))
          pending.delete(String(data.token))
          if (!end) return reject(new Error('unknown offer'))
          clearTimeout(timer)
          sendSignal({ type: 'answer' })
          resolve(end)
        } else if (data.type === 'answer' && initiator && mine) {
          clearTimeout(timer)
          resolve(mine)
        }
      },
      abort(reason) {
        clearTimeout(timer)
        reject(new Error(reason))
      },
    }
  })
}
