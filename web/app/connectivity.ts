/**
 * The connectivity self-test: can this browser reach the server, and what do
 * the configured STUN and TURN servers give it? Gathers ICE candidates with a
 * throwaway RTCPeerConnection and turns the result into findings a
 * self-hoster can act on.
 */
import type { SignalingClient } from '../core/signaling/client.js'
import type { WebRtcSupport } from '../core/transport/webrtc-support.js'
import { browserWebRtc } from './direct-connections.js'
import { cidFromDigest } from '../../format/cid.js'

/** The server hands TURN servers to connections that look up a swarm: any CID will do. */
const PROBE_CID = cidFromDigest(new Uint8Array(32))

function lookUpAnySwarm(signaling: SignalingClient): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      off()
      resolve()
    }
    const timer = setTimeout(done, 5_000)
    const off = signaling.events.on('peers', ({ cid }) => cid === PROBE_CID && done())
    signaling.lookup(PROBE_CID)
  })
}

export type Severity = 'ok' | 'warn' | 'error' | 'info'

export interface Finding {
  severity: Severity
  text: string
}

export interface CandidateSummary {
  type: string
  protocol: string
  address: string
  url?: string
}

export interface ConnectivityReport {
  findings: Finding[]
  candidates: CandidateSummary[]
}

const GATHER_TIMEOUT_MS = 8_000

function urlsOf(servers: RTCIceServer[], scheme: RegExp): string[] {
  return servers.flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls])).filter((u) => scheme.test(u))
}

async function gather(servers: RTCIceServer[]) {
  const pc = new RTCPeerConnection({ iceServers: servers })
  const candidates: CandidateSummary[] = []
  const errors: { url: string; code: number; text: string }[] = []
  pc.addEventListener('icecandidateerror', (e) => {
    const ev = e as RTCPeerConnectionIceErrorEvent
    errors.push({ url: ev.url, code: ev.errorCode, text: ev.errorText })
  })
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, GATHER_TIMEOUT_MS)
    pc.addEventListener('icecandidate', (e) => {
      if (!e.candidate) {
        clearTimeout(timer)
        resolve()
        return
      }
      const c = e.candidate
      candidates.push({ type: c.type ?? '?', protocol: c.protocol ?? '?', address: c.address ?? '', url: (c as { url?: string }).url })
    })
  })
  pc.createDataChannel('probe')
  await pc.setLocalDescription(await pc.createOffer())
  await done
  pc.close()
  return { candidates, errors }
}

/** What missing WebRTC means, given whether the server relays (unknown when it cannot be reached). */
function webRtcOffFinding(reason: string, relayEnabled: boolean | undefined): Finding {
  const off = `WebRTC is turned off or missing in this browser (${reason}).`
  if (relayEnabled === false) {
    return { severity: 'error', text: `${off} The server relay is off too: this browser can neither fetch nor share files here.` }
  }
  return { severity: 'warn', text: `${off} Every transfer goes through the server relay instead, still end-to-end encrypted.` }
}

export async function checkConnectivity(signaling: SignalingClient, webRtc: WebRtcSupport = browserWebRtc()): Promise<ConnectivityReport> {
  const findings: Finding[] = []
  if (signaling.status !== 'open') {
    findings.push({
      severity: 'error',
      text: 'Cannot reach the Swarmdrop server’s WebSocket at /ws. If it runs behind a proxy, the proxy must pass WebSocket upgrades.',
    })
    if (!webRtc.usable) findings.push(webRtcOffFinding(webRtc.reason, undefined))
    return { findings, candidates: [] }
  }
  findings.push({ severity: 'ok', text: 'Connected to the Swarmdrop server.' })
  await lookUpAnySwarm(signaling)
  const servers = signaling.iceServers as RTCIceServer[]
  const stun = urlsOf(servers, /^stuns?:/)
  const turn = urlsOf(servers, /^turns?:/)
  const relay = signaling.relayPolicy
  findings.push(
    relay.enabled
      ? {
          severity: 'info',
          text: `Server relay is on: peers that cannot connect directly within ${relay.afterMs / 1000} s send their (encrypted) data through the server.`,
        }
      : { severity: 'warn', text: 'Server relay is off: peers that cannot connect directly, or through TURN, cannot exchange files.' },
  )
  if (signaling.iceTransportPolicy === 'relay') {
    findings.push({ severity: 'info', text: 'Relay-only mode: all WebRTC goes through TURN, so peers never learn each other’s addresses.' })
  }
  if (!webRtc.usable) {
    findings.push(webRtcOffFinding(webRtc.reason, relay.enabled))
    return { findings, candidates: [] }
  }
  const { candidates, errors } = await gather(servers)
  const host = candidates.filter((c) => c.type === 'host')
  const srflx = candidates.filter((c) => c.type === 'srflx')
  const relayed = candidates.filter((c) => c.type === 'relay')
  findings.push(
    host.length > 0
      ? { severity: 'ok', text: `This browser offers ${host.length} local network address${host.length === 1 ? '' : 'es'} to peers.` }
      : { severity: 'warn', text: 'This browser offers no local address: direct connections on the same network will not work here.' },
  )
  if (stun.length === 0) {
    findings.push({ severity: 'info', text: 'No STUN server is configured: only peers on the same network can connect directly.' })
  } else if (srflx.length > 0) {
    findings.push({ severity: 'ok', text: `STUN works: this browser’s public address is ${srflx[0].address}.` })
  } else {
    findings.push({ severity: 'warn', text: `No answer from STUN (${stun.join(', ')}): check the address and that UDP to it is allowed.` })
  }
  if (turn.length === 0) {
    findings.push({
      severity: relay.enabled ? 'info' : 'warn',
      text: 'No TURN server is configured. Peers behind strict NATs or firewalls will use the server relay instead.',
    })
  } else if (relayed.length > 0) {
    findings.push({ severity: 'ok', text: `TURN works: ${relayed[0].url ?? turn[0]} gave this browser a relay address.` })
  } else {
    const turnErrors = errors.filter((e) => /^turns?:/.test(e.url ?? ''))
    const denied = turnErrors.find((e) => e.code === 401 || e.code === 403 || e.code === 431)
    if (denied) {
      findings.push({
        severity: 'error',
        text:
          `TURN rejected the credentials (${denied.code} ${denied.text}) at ${denied.url}. Check that the server’s ` +
          'TURN secret (--turn-secret) is coturn’s static-auth-secret, that coturn runs with use-auth-secret, and that both clocks are right.',
      })
    } else if (turnErrors.length > 0) {
      const e = turnErrors[0]
      findings.push({
        severity: 'error',
        text: `Could not use TURN at ${e.url} (${e.code} ${e.text}). Check the host name, the port (3478 UDP/TCP, 5349 for TLS) and the firewall.`,
      })
    } else {
      findings.push({ severity: 'error', text: `TURN (${turn.join(', ')}) did not answer: check the address, the port and the firewall.` })
    }
  }
  return { findings, candidates }
}
