/**
 * This browser's WebRTC, probed once per page: the engine dials with it (or,
 * without it, relays every peer at once), and the UI tells the user which.
 */
import type { DialFn } from '../core/transport/transport.js'
import { type WebRtcSupport, probeWebRtc } from '../core/transport/webrtc-support.js'
import { refuseDirect } from '../core/transport/direct-off.js'
import { dialWebRtc } from '../core/transport/webrtc.js'

let probed: WebRtcSupport | undefined

export function browserWebRtc(): WebRtcSupport {
  return (probed ??= probeWebRtc())
}

export function browserDialer(): DialFn {
  const support = browserWebRtc()
  return support.usable ? dialWebRtc : refuseDirect(`WebRTC is off: ${support.reason}`)
}
