import type { SignalingClient } from '../core/signaling/client.js'
import { browserWebRtc } from '../app/direct-connections.js'
import { useServerRelay } from './useServer.js'

/** Says, on every page, that this browser cannot connect directly and what that means here. */
export function WebRtcOffNotice({ signaling }: { signaling: SignalingClient }) {
  const relay = useServerRelay(signaling)
  const support = browserWebRtc()
  if (support.usable) return null
  return (
    <section className="card" role="status" data-testid="webrtc-off" data-relay={relay}>
      {relay === 'off' ? (
        <p className="error">
          This browser has WebRTC turned off, and this server does not relay: nothing can be fetched from this browser, and it cannot fetch
          anything either.
        </p>
      ) : (
        <p>
          This browser has WebRTC turned off: files go through the server, still end-to-end encrypted.
          {relay === 'unknown' && ' (Connecting to the server…)'}
        </p>
      )}
      <p className="hint">
        Why: {support.reason}. Turn WebRTC on (in Firefox: <code>media.peerconnection.enabled</code> in <code>about:config</code>), or use
        another browser, to connect to other browsers directly.
      </p>
    </section>
  )
}
