/**
 * The Connection contract against every transport: the in-memory pair, the
 * server relay (a real server, two real signaling clients in one swarm) and
 * WebRTC through node-datachannel on loopback, as the CLI runs it.
 */
import WebSocket from 'ws'
import { connectionContract } from './connection.contract.js'
import { memoryPair } from './memory.js'
import { RelayConnection } from './relay.js'
import { loopbackWebRtcPair } from './webrtc.fixtures.js'
import type { Connection } from './transport.js'
import { WebSocketSignalingClient, type WebSocketLike } from '../signaling/client.js'
import { cidFromDigest, digestOfCid } from '../../../format/cid.js'
import { testServer } from '../../../signal-server/test-client.js'

connectionContract(
  'memory pair',
  async () => {
    const [a, b] = memoryPair('peer-a', 'peer-b')
    return { a, b, dispose: async () => {} }
  },
  { carriesCloseReason: true, remoteCloseIsPrompt: true },
)

const CID = cidFromDigest(new Uint8Array(32).fill(42))

function openClient(url: string): Promise<WebSocketSignalingClient> {
  const client = new WebSocketSignalingClient({ url, WebSocket: WebSocket as unknown as new (u: string) => WebSocketLike })
  return new Promise((resolve) => client.events.on('status', (s) => s === 'open' && resolve(client)))
}

/** One end of a relayed link, wired to its signaling client the way peer-links.ts does it. */
function relayEnd(client: WebSocketSignalingClient, remote: string): Connection {
  const relay = new RelayConnection(remote, digestOfCid(CID), client, () => client.closeRelay(remote, CID))
  client.events.on('relay', ({ from, cidDigest, frame }) => {
    if (from === remote && cidFromDigest(cidDigest) === CID) relay.deliver(frame)
  })
  client.events.on('relay-close', ({ from, cid }) => {
    if (from === remote && cid === CID) relay.shut('the peer closed the relay')
  })
  return relay
}

connectionContract(
  'server relay',
  async () => {
    const server = await testServer()
    const url = server.url.replace('http', 'ws') + '/ws'
    const [clientA, clientB] = await Promise.all([openClient(url), openClient(url)])
    for (const client of [clientA, clientB]) {
      const joined = new Promise<void>((resolve) => client.events.on('peers', ({ cid }) => cid === CID && resolve()))
      client.announce(CID)
      await joined
    }
    return {
      a: relayEnd(clientA, clientB.peerId!),
      b: relayEnd(clientB, clientA.peerId!),
      async dispose() {
        clientA.close()
        clientB.close()
        await server.close()
      },
    }
  },
  { carriesCloseReason: false, remoteCloseIsPrompt: true },
)

connectionContract(
  'WebRTC (node-datachannel on 127.0.0.1)',
  async () => {
    const [a, b] = await loopbackWebRtcPair()
    return {
      a,
      b,
      async dispose() {
        for (const c of [a, b]) if (!c.closed) c.close('test over')
      },
    }
  },
  { carriesCloseReason: false, remoteCloseIsPrompt: false },
)
