/** Test helpers: a running server on a free loopback port and a client that queues what it receives. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterEach } from 'vitest'
import { type RunningServer, startServer } from './server.js'
import { type ServerConfig, loadConfig } from './config.js'
import { createLogger } from './log.js'
import type { ServerMessage } from '../protocol/signal.js'
import type { ServerState } from './state/state.js'
import { type Clock, systemClock } from './clock.js'
import { SIGNAL_PROTOCOL_VERSION } from '../protocol/signal.js'

/** `clock`: what of the server's time a test controls; the rest is real. */
export async function testServer(
  overrides: Partial<ServerConfig> = {},
  state?: ServerState,
  clock?: Partial<Clock>,
): Promise<RunningServer> {
  const staticDir = mkdtempSync(join(tmpdir(), 'swarmdrop-static-'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app</title>')
  const config = { ...loadConfig([], {})!, port: 0, staticDir, logLevel: 'silent' as const, ...overrides }
  return startServer(config, { logger: createLogger('silent'), state, clock: { ...systemClock, ...clock } })
}

export interface TestClient {
  ws: WebSocket
  id: string
  welcome: Extract<ServerMessage, { type: 'welcome' }>
  next(): Promise<ServerMessage>
  nextBinary(): Promise<Buffer>
  send(message: unknown): void
}

/** A client that has said hello (`hello` false: one that says nothing first, as a page from before hello). */
export async function connectClient(server: RunningServer, sockets: WebSocket[], hello = true): Promise<TestClient> {
  const ws = new WebSocket(server.url.replace('http', 'ws') + '/ws')
  sockets.push(ws)
  const inbox: ServerMessage[] = []
  const binary: Buffer[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (data, isBinary) => {
    if (isBinary) binary.push(data as Buffer)
    else inbox.push(JSON.parse(data.toString()))
    waiters.splice(0).forEach((w) => w())
  })
  const wait = () => new Promise<void>((resolve) => waiters.push(resolve))
  const next = async (): Promise<ServerMessage> => {
    while (inbox.length === 0) await wait()
    return inbox.shift()!
  }
  const nextBinary = async (): Promise<Buffer> => {
    while (binary.length === 0) await wait()
    return binary.shift()!
  }
  const welcome = await next()
  if (welcome.type !== 'welcome') throw new Error('expected welcome')
  if (hello) ws.send(JSON.stringify({ type: 'hello', protocol: SIGNAL_PROTOCOL_VERSION }))
  return {
    ws,
    id: welcome.id,
    welcome,
    next,
    nextBinary,
    send: (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
  }
}

/** A bare WebSocket to /ws with the given request headers: resolves once open, or with the refusal's status. */
export function rawSocket(
  server: RunningServer,
  sockets: WebSocket[],
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/ws', { headers })
    sockets.push(ws)
    ws.once('open', () => resolve({ ws }))
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }))
    ws.once('error', () => {})
  })
}

/**
 * Servers and sockets a test file opens, closed after each test. `start()`
 * runs a server; `client()` connects to the last one started.
 */
export function useTestServers() {
  const servers: RunningServer[] = []
  const sockets: WebSocket[] = []
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.terminate())
    for (const s of servers.splice(0)) await s.close()
  })
  return {
    sockets,
    async start(overrides: Partial<ServerConfig> = {}, state?: ServerState, clock?: Partial<Clock>) {
      const server = await testServer(overrides, state, clock)
      servers.push(server)
      return server
    },
    client: (server: RunningServer, hello?: boolean) => connectClient(server, sockets, hello),
    raw: (server: RunningServer, headers?: Record<string, string>) => rawSocket(server, sockets, headers),
  }
}
