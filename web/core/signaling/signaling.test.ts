/** The signaling contract against the in-process hub and the real server (over WebSockets). */
import WebSocket from 'ws'
import { signalingContract } from './signaling.contract.js'
import { MemorySignalingHub } from './memory-hub.js'
import { type SignalingClient, WebSocketSignalingClient, type WebSocketLike } from './client.js'
import { testServer } from '../../../signal-server/test-client.js'

function opened(client: SignalingClient): Promise<SignalingClient> {
  return new Promise((resolve) => {
    if (client.status === 'open') return resolve(client)
    client.events.on('status', (s) => s === 'open' && resolve(client))
  })
}

signalingContract('in-process hub', async (count) => {
  const hub = new MemorySignalingHub()
  const clients = await Promise.all(Array.from({ length: count }, () => opened(hub.client())))
  return { clients, dispose: async () => clients.forEach((c) => c.close()) }
})

signalingContract('real server', async (count) => {
  const server = await testServer()
  const url = server.url.replace('http', 'ws') + '/ws'
  const clients = await Promise.all(
    Array.from({ length: count }, () => opened(new WebSocketSignalingClient({ url, WebSocket: WebSocket as unknown as new (u: string) => WebSocketLike }))),
  )
  return {
    clients,
    async dispose() {
      clients.forEach((c) => c.close())
      await server.close()
    },
  }
})
