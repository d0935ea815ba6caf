/**
 * The simulator's DialFn: an offer and an answer through the simulated
 * server, as WebRTC negotiates, then ICE, DTLS and SCTP set-up, taken as
 * SETUP_ROUND_TRIPS round trips between the two hosts, before the connection
 * opens on the simulated network. A responder that never answers (its peer
 * links had no room) leaves the dialer to its connect timeout, as in a
 * browser.
 */
import type { Connection, Dial, DialFn } from '../../web/core/transport/transport.js'
import type { SimNetwork } from './network.js'

/** ICE connectivity check, DTLS handshake (two), SCTP association. */
const SETUP_ROUND_TRIPS = 4

export interface SimDials {
  /** The DialFn for host `self`. */
  dialerFor(self: string): DialFn
  /** Connections opened so far. */
  readonly opened: number
}

export function simDials(net: SimNetwork): SimDials {
  /** Responders waiting for their connection, by offer token. */
  const waiting = new Map<string, { open: (connection: Connection) => void; alive: () => boolean }>()
  let nextToken = 0
  let opened = 0

  const dialerFor =
    (self: string): DialFn =>
    ({ remotePeer, initiator, sendSignal, connectTimeoutMs }): Dial => {
      let settled = false
      let resolve!: (c: Connection) => void
      let reject!: (e: Error) => void
      const connected = new Promise<Connection>((res, rej) => {
        resolve = (c) => {
          settled = true
          net.clock.clearTimeout(timer)
          res(c)
        }
        reject = (e) => {
          settled = true
          net.clock.clearTimeout(timer)
          rej(e)
        }
      })
      connected.catch(() => {})
      const timer = net.clock.setTimeout(() => reject(new Error('timed out connecting to the peer')), connectTimeoutMs)
      const token = initiator ? `${self}>${remotePeer}#${nextToken++}` : undefined
      if (token) sendSignal({ type: 'offer', token })
      return {
        connected,
        signal(data) {
          if (settled) return
          if (!initiator && data.type === 'offer' && typeof data.token === 'string') {
            waiting.set(data.token, { open: resolve, alive: () => !settled })
            sendSignal({ type: 'answer', token: data.token })
          } else if (initiator && data.type === 'answer' && data.token === token) {
            const setupMs = SETUP_ROUND_TRIPS * 2 * net.latency(self, remotePeer)
            net.clock.setTimeout(() => {
              const answer = waiting.get(token!)
              waiting.delete(token!)
              if (settled || !answer?.alive() || !net.host(self) || !net.host(remotePeer)) return
              const [mine, theirs] = net.connect(self, remotePeer)
              opened++
              answer.open(theirs)
              resolve(mine)
            }, setupMs)
          }
        },
        abort(reason) {
          if (token) waiting.delete(token)
          if (!settled) reject(new Error(reason))
        },
      }
    }

  return {
    dialerFor,
    get opened() {
      return opened
    },
  }
}
