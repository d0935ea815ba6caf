import { describe, expect, it } from 'vitest'
import { RTCPeerConnection } from 'node-datachannel/polyfill'
import { type PeerConnectionConstructor, probeWebRtc } from './webrtc-support.js'

describe('the WebRTC probe', () => {
  it('finds a real WebRTC usable (node-datachannel’s RTCPeerConnection)', () => {
    expect(probeWebRtc(RTCPeerConnection as unknown as PeerConnectionConstructor)).toEqual({ usable: true })
  })

  it('says why WebRTC is unusable: missing, a constructor that throws, or no data channel', () => {
    expect(probeWebRtc(undefined)).toEqual({ usable: false, reason: 'this browser has no RTCPeerConnection' })
    class Blocked {
      constructor() {
        throw new DOMException('blocked by policy', 'NotAllowedError')
      }
      createDataChannel() {}
      close() {}
    }
    expect(probeWebRtc(Blocked)).toEqual({ usable: false, reason: 'creating an RTCPeerConnection failed: blocked by policy' })
    let closed = false
    class NoChannels {
      createDataChannel(): never {
        throw new TypeError('')
      }
      close() {
        closed = true
      }
    }
    expect(probeWebRtc(NoChannels)).toEqual({ usable: false, reason: 'creating a data channel failed: TypeError' })
    expect(closed).toBe(true)
  })
})
