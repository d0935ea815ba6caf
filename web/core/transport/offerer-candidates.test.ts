import { describe, expect, it } from 'vitest'
import { offererSignals, withoutCandidates } from './offerer-candidates.js'

/** An offer as libdatachannel writes it once gathering is done. */
const OFFER_SDP = [
  'v=0',
  'o=rtc 1 0 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=application 36723 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 127.0.0.1',
  'a=mid:0',
  'a=ice-ufrag:uemj',
  'a=ice-pwd:6Kw3lcYh2DGOSgcNvVKEno',
  'a=fingerprint:sha-256 A9:AB:24:F7',
  'a=setup:actpass',
  'a=candidate:1 1 UDP 2114977791 127.0.0.1 36723 typ host',
  'a=end-of-candidates',
  'a=sctp-port:5000',
  '',
].join('\r\n')

const candidate = (n: number) => ({
  type: 'candidate',
  candidate: { candidate: `candidate:${n} 1 UDP 1 127.0.0.1 ${n} typ host`, sdpMid: '0' },
})

describe('offererSignals', () => {
  it('sends the offer without candidate lines, holds candidates until answered, then sends them in order', () => {
    const sent: Record<string, unknown>[] = []
    const signals = offererSignals((data) => sent.push(data))
    signals.send(candidate(1))
    signals.send({ type: 'offer', sdp: OFFER_SDP })
    signals.send(candidate(2))
    expect(sent).toEqual([{ type: 'offer', sdp: withoutCandidates(OFFER_SDP) }])
    signals.answered()
    signals.send(candidate(3))
    signals.answered()
    expect(sent.slice(1)).toEqual([candidate(1), candidate(2), candidate(3)])
  })

  it('strips exactly the candidate and end-of-candidates lines', () => {
    const stripped = withoutCandidates(OFFER_SDP)
    expect(stripped.split('\r\n')).toEqual(OFFER_SDP.split('\r\n').filter((line) => !/^a=(candidate:|end-of-candidates)/.test(line)))
    expect(stripped).toContain('a=fingerprint:sha-256 A9:AB:24:F7\r\na=setup:actpass\r\na=sctp-port:5000\r\n')
  })
})
