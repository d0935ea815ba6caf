/**
 * Whether WebRTC data channels can be used here at all, found out up front.
 * Privacy-hardened Firefox profiles and Tor Browser turn it off
 * (`media.peerconnection.enabled` false: no RTCPeerConnection), some WebKit
 * builds have none, and extensions or policies can make the constructor or
 * createDataChannel throw. Such a peer makes no direct connections
 * (direct-off.ts) and goes through the server relay for every peer.
 */

export type WebRtcSupport = { usable: true } | { usable: false; reason: string }

export type PeerConnectionConstructor = new (config?: { iceServers: [] }) => { createDataChannel(label: string): unknown; close(): void }

/** Nothing leaves the machine: no ICE servers, no offer, so no candidate is gathered. */
export function probeWebRtc(
  RTCPeerConnectionImpl: PeerConnectionConstructor | undefined = (globalThis as { RTCPeerConnection?: PeerConnectionConstructor })
    .RTCPeerConnection,
): WebRtcSupport {
  if (typeof RTCPeerConnectionImpl !== 'function') return { usable: false, reason: 'this browser has no RTCPeerConnection' }
  let pc: InstanceType<PeerConnectionConstructor>
  try {
    pc = new RTCPeerConnectionImpl({ iceServers: [] })
  } catch (err) {
    return { usable: false, reason: `creating an RTCPeerConnection failed: ${messageOf(err)}` }
  }
  try {
    pc.createDataChannel('probe')
    return { usable: true }
  } catch (err) {
    return { usable: false, reason: `creating a data channel failed: ${messageOf(err)}` }
  } finally {
    try {
      pc.close()
    } catch {
      // Closing a connection that never did anything cannot matter.
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err)
}
