/**
 * HTTP + WebSocket wiring: serves the built app with strict headers,
 * /healthz, and the signaling endpoint at /ws. Protocol handling lives in
 * signaling.ts; this file only connects sockets to it.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import sirv from 'sirv'
import { WebSocketServer } from 'ws'
import { MAX_SIGNAL_MESSAGE_BYTES } from '../protocol/signal.js'
import { MAX_RELAY_MESSAGE_BYTES } from '../protocol/relay.js'
import { iceServersFor } from './ice.js'
import type { ServerConfig } from './config.js'
import { type Logger, createLogger } from './log.js'
import { SignalingHub } from './signaling.js'
import { MemoryTracker } from './tracker.js'

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly hub: SignalingHub
  close(): Promise<void>
}

/** Headers for every response. The CSP is what the built app needs and nothing more. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
    "style-src 'self'; script-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
    "form-action 'none'; frame-ancestors 'none'",
  // The link's secret is in the fragment, which browsers never send; no-referrer also keeps the CID
  // and path from leaking to any site the user follows a link to.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
}

export async function startServer(config: ServerConfig, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const serveApp = existsSync(config.staticDir)
    ? sirv(config.staticDir, { single: true, etag: true, gzip: false, brotli: false })
    : null
  if (!serveApp) logger.warn('app not built; serving only /healthz and /ws', { staticDir: config.staticDir })

  const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/healthz') {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.end('ok\n')
      return
    }
    if (path.startsWith('/__save/')) {
      // Only the download service worker answers these; one that reaches the server has expired.
      res.statusCode = 404
      res.end('This download has expired: use Save on the page again.\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405
      res.end()
      return
    }
    if (!serveApp) {
      res.statusCode = 404
      res.end('app not built: run `npm run build`\n')
      return
    }
    serveApp(req, res, () => {
      res.statusCode = 404
      res.end('not found\n')
    })
  })

  const hub = new SignalingHub({
    tracker: new MemoryTracker(),
    iceServersFor: (peerId) => iceServersFor(config, peerId, Date.now()),
    iceTransportPolicy: config.iceTransportPolicy,
    maxSwarmsPerPeer: config.maxSwarmsPerPeer,
    relay: {
      enabled: config.relayEnabled,
      afterMs: config.relayAfterMs,
      bytesPerSecond: config.relayBytesPerSecond,
      budgetBytes: config.relayBudgetBytes,
    },
    logger,
  })
  // Text messages are capped in the hub's parser; binary relay frames carry one wire frame.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(MAX_SIGNAL_MESSAGE_BYTES, MAX_RELAY_MESSAGE_BYTES) })
  http.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.accept(ws))
  })

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(config.port, config.host, () => resolve())
  })
  const { port } = http.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${host}:${port}`
  return {
    url,
    port,
    hub,
    async close() {
      hub.closeAll()
      wss.close()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
