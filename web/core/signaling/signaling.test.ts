/** The signaling contract against the in-process hub and the real server (over WebSockets), and the version check. */
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { SIGNAL_PROTOCOL_VERSION } from '../../../protocol/signal.js'
import type { RunningServer } from '../../../signal-server/server.js'
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
    Array.from({ length: count }, () =>
      opened(new WebSocketSignalingClient({ url, WebSocket: WebSocket as unknown as new (u: string) => WebSocketLike })),
    ),
  )
  return {
    clients,
    async dispose() {
      clients.forEach((c) => c.close())
      await server.close()
    },
  }
})

describe('a page and a server of different protocol versions', () => {
  const servers: RunningServer[] = []
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close()
  })

  /** A client speaking `version`, and what it ends with: its named error, and every status it went through. */
  async function meet(version: number) {
    const server = await testServer()
    servers.push(server)
    const url = server.url.replace('http', 'ws') + '/ws'
    const client = new WebSocketSignalingClient({
      url,
      WebSocket: WebSocket as unknown as new (u: string) => WebSocketLike,
      protocolVersion: version,
    })
    const statuses: string[] = []
    client.events.on('status', (s) => statuses.push(s))
    const error = await new Promise<Error>((resolve) => client.events.on('incompatible', resolve))
    return { client, error, statuses }
  }

  it.each([
    ['older page: the server refuses its hello', SIGNAL_PROTOCOL_VERSION - 1],
    ['newer page: it refuses the server’s welcome', SIGNAL_PROTOCOL_VERSION + 1],
  ])('%s, and the client stops with a named error that says both versions', async (_, version) => {
    const { client, error, statuses } = await meet(version)
    expect(error.name).toBe('SignalingVersionError')
    expect(error.message).toBe(
      `This page speaks signaling protocol v${version}; the server speaks v${SIGNAL_PROTOCOL_VERSION} — reload the page`,
    )
    expect(client.incompatible).toBe(error)
    expect(client.status).toBe('closed')
    expect(statuses.at(-1)).toBe('closed')
  })
})
