/** WebRTC through node-datachannel on loopback, as the CLI dials it: the options and an open pair. */
import type { Connection, Dial, DialOptions } from './transport.js'
import { webRtcDialer } from './webrtc.js'

export const dialLoopback = webRtcDialer({ bindAddress: '127.0.0.1' })

export function loopbackDialOptions(
  initiator: boolean,
  remotePeer: string,
  sendSignal: (data: Record<string, unknown>) => void,
): DialOptions {
  return { remotePeer, initiator, iceServers: [], sendSignal, connectTimeoutMs: 10_000 }
}

/** Two connected ends, 'peer-a' (the offerer) and 'peer-b', each signalling straight to the other. */
export async function loopbackWebRtcPair(): Promise<[Connection, Connection]> {
  const dials: Dial[] = []
  dials.push(dialLoopback(loopbackDialOptions(true, 'peer-b', (data) => dials[1].signal(data))))
  dials.push(dialLoopback(loopbackDialOptions(false, 'peer-a', (data) => dials[0].signal(data))))
  const [a, b] = await Promise.all(dials.map((d) => d.connected))
  return [a, b]
}
