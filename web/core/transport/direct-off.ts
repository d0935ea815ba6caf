/**
 * A peer that makes no direct connections: the CLI with --relay-only, and a
 * browser whose WebRTC is missing or turned off (webrtc-support.ts). One
 * mechanism for both. Every dial it starts fails at once, so the engine
 * relays at once; and a peer that offers it a direct connection is told so in
 * a signal, so that peer relays at once too instead of waiting out its
 * connect timeout.
 */
import type { DialFn } from './transport.js'

/** The signal that answers an offer from a peer that makes no direct connections. */
export const DIRECT_REFUSED = 'direct-refused'

/** The DialFn of a peer that makes no direct connections; `reason` ends up in the rejection. */
export function refuseDirect(reason: string): DialFn {
  return ({ initiator, sendSignal }) => {
    // We are the responder: an offer came in. Say no now, so the dialer relays without waiting.
    if (!initiator) sendSignal({ type: DIRECT_REFUSED })
    const connected = Promise.reject(new Error(`direct connections are off (${reason})`))
    connected.catch(() => {})
    return { connected, signal() {}, abort() {} }
  }
}

/**
 * Wraps a DialFn so that the remote's refusal ends the attempt at once: its
 * `connected` rejects, and the engine falls back to the relay as for any
 * failed direct attempt.
 */
export function endingOnRefusal(dial: DialFn): DialFn {
  return (options) => {
    const attempt = dial(options)
    return {
      connected: attempt.connected,
      signal(data) {
        if (data.type === DIRECT_REFUSED) attempt.abort('the peer makes no direct connections')
        else attempt.signal(data)
      },
      abort: (reason) => attempt.abort(reason),
    }
  }
}
