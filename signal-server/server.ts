/**
 * HTTP + WebSocket wiring: serves the built app with strict headers,
 * /healthz, /metrics (access.ts says who may read it), and the signaling
 * endpoint at /ws. Protocol handling lives in signaling.ts; this file only
 * connects sockets to it.
 */
import { MIRROR_LAYOUT_DIR } from '../format/mirror-layout.js'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import sirv from 'sirv'
import { WebSocketServer } from 'ws'
import { MAX_SIGNAL_MESSAGE_BYTES } from '../protocol/signal.js'
import { MAX_RELAY_MESSAGE_BYTES } from '../protocol/relay.js'
import { icePolicy } from './ice.js'
import { addressKey, clientAddress, metricsAccess } from './access.js'
import { SAVE_PATH } from '../format/worker-protocol.js'
import type { ServerConfig } from './config.js'
import { type Logger, createLogger } from './log.js'
import { SignalingHub } from './signaling.js'
import { MAX_MIRROR_LISTS } from './hub-options.js'
import { MemoryState } from './state/memory.js'
import type { ServerState } from './state/state.js'
import { Metrics } from './metrics.js'
import type { Duplex } from 'node:stream'
import { type Clock, systemClock } from './clock.js'

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly hub: SignalingHub
  readonly metrics: Metrics
  /**
   * Graceful stop: refuse new WebSocket connections and answer /healthz with
   * 503 at once, ask clients to reconnect (close code 1012), give them
   * `graceMs` to go, then drop the rest and stop listening.
   */
  close(graceMs?: number): Promise<void>
}

/** An Origin is allowed if listed, if '*' is listed, or (by default) if it is this server's own. */
function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin
  if (!origin) return true // not a browser: browsers always send Origin on WebSocket upgrades
  if (allowed.includes('*') || allowed.includes(origin)) return true
  if (allowed.length > 0) return false
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/**
 * Headers for every response. The CSP is what the built app needs and
 * nothing more: it connects to this server, and to the mirror origins the
 * self-hoster lists, nowhere else.
 */
export function securityHeaders(mirrorOrigins: readonly string[] = []): Record<string, string> {
  return {
    'Content-Security-Policy':
      `default-src 'self'; connect-src ${["'self'", ...mirrorOrigins].join(' ')}; img-src 'self' data: blob:; media-src 'self' blob:; ` +
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
}

export interface ServerOptions {
  logger?: Logger
  /** Shared state for several processes (Redis); in memory by default. */
  state?: ServerState
  /** The hub's clock and timers (tests); real time by default. */
  clock?: Clock
}

export async function startServer(config: ServerConfig, options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel)
  const serveApp = existsSync(config.staticDir) ? sirv(config.staticDir, { single: true, etag: true, gzip: false, brotli: false }) : null
  if (!serveApp) logger.warn('app not built; serving only /healthz and /ws', { staticDir: config.staticDir })

  const headers = securityHeaders(config.mirrorOrigins)
  // Exported drops are static, immutable files: any origin may fetch them (they are ciphertext and hashes).
  const serveMirror = config.mirrorDir ? sirv(config.mirrorDir, { dev: false, etag: true, immutable: true }) : null

  const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    const path = (req.url ?? '/').split('?')[0]
    if (path.startsWith(`/${MIRROR_LAYOUT_DIR}/`)) {
      res.setHeader('Access-Control-Allow-Origin', '*')
      if (!serveMirror || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.statusCode = serveMirror ? 405 : 404
        res.end()
        return
      }
      serveMirror(req, res, () => {
        res.statusCode = 404
        res.end()
      })
      return
    }
    if (path === '/healthz') {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      if (closing) res.statusCode = 503
      res.end(closing ? 'shutting down\n' : 'ok\n')
      return
    }
    if (path === '/metrics') {
      const access = metricsAccess(req, config.metricsToken)
      if (access !== 200) {
        res.statusCode = access
        res.setHeader('Content-Type', 'text/plain; charset=utf-8')
        if (access === 401) res.setHeader('WWW-Authenticate', 'Bearer')
        res.end(access === 401 ? 'a bearer token (--metrics-token) is required\n' : 'metrics are for local scrapers or --metrics-token\n')
        return
      }
      void metrics.registry.metrics().then((text) => {
        res.setHeader('Content-Type', metrics.registry.contentType)
        res.end(text)
      })
      return
    }
    if (path.startsWith(SAVE_PATH)) {
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

  const state: ServerState = options.state ?? new MemoryState()
  // `hub` is read only when /metrics is scraped, after it exists.
  const metrics: Metrics = new Metrics({
    peers: (): number => hub.peerCount,
    swarms: () => state.localSwarmCount,
    pinNodes: () => hub.pinNodeCount,
  })
  let closing = false
  const hub: SignalingHub = new SignalingHub({
    state,
    metrics,
    maxMessagesPerSecond: config.maxMessagesPerSecond,
    maxPeersPerLookup: config.maxPeersPerLookup,
    ice: icePolicy(config),
    iceTransportPolicy: config.iceTransportPolicy,
    maxSwarmsPerPeer: config.maxSwarmsPerPeer,
    tombstoneTtlMs: config.tombstoneDays * 86_400_000,
    revokesPerHour: config.maxRevokesPerHour,
    maxUnsharedTombstones: config.maxUnsharedTombstones,
    // Lists are per-drop state like tombstones: the same days and the same per-address allowance (counted apart).
    mirrorLists: { publishesPerHour: config.maxRevokesPerHour, ttlMs: config.tombstoneDays * 86_400_000, maxLists: MAX_MIRROR_LISTS },
    pin: { replicas: config.pinReplicas, heartbeatMs: config.pinHeartbeatMs },
    pinToken: config.pinToken,
    relay: {
      enabled: config.relayEnabled,
      afterMs: config.relayAfterMs,
      bytesPerSecond: config.relayBytesPerSecond,
      budgetBytes: config.relayBudgetBytes,
      budgetPerIpBytes: config.relayBudgetPerIp,
    },
    logger,
    clock: options.clock,
  })
  const clock = options.clock ?? systemClock
  const pinAudit = clock.setInterval(() => hub.auditPins(), config.pinHeartbeatMs)
  pinAudit.unref?.()
  // Text messages are capped in the hub's parser; binary relay frames carry one wire frame.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(MAX_SIGNAL_MESSAGE_BYTES, MAX_RELAY_MESSAGE_BYTES) })
  const perAddress = new Map<string, number>()
  http.on('upgrade', (req, socket, head) => {
    const refused = (reason: string, status: string) => {
      metrics.connectionsRefused.inc({ reason })
      refuse(socket, status)
    }
    if ((req.url ?? '').split('?')[0] !== '/ws') return refused('path', '404 Not Found')
    if (closing) return refused('shutting-down', '503 Service Unavailable')
    if (!originAllowed(req, config.allowedOrigins)) return refused('origin', '403 Forbidden')
    const address = addressKey(clientAddress(req, config.trustProxy))
    const open = perAddress.get(address) ?? 0
    if (open >= config.maxConnectionsPerIp) return refused('per-address-limit', '429 Too Many Requests')
    perAddress.set(address, open + 1)
    wss.handleUpgrade(req, socket, head, (ws) => {
      metrics.connections.inc()
      ws.once('close', () => {
        const n = (perAddress.get(address) ?? 1) - 1
        if (n <= 0) perAddress.delete(address)
        else perAddress.set(address, n)
      })
      hub.accept(ws, address)
    })
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
    metrics,
    async close(graceMs = 0) {
      closing = true
      clock.clearInterval(pinAudit)
      hub.closeAll()
      const deadline = Date.now() + graceMs
      // Still listening meanwhile: load balancers probing /healthz hear 503 and send new clients elsewhere.
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()))
      for (const ws of wss.clients) ws.terminate()
      wss.close()
      http.closeAllConnections()
      await stopped
      await state.close()
    },
  }
}
