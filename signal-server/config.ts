/**
 * Server configuration: command-line flags > environment variables > defaults.
 * Every option is listed by --help with its default and its variable.
 */
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import {
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_PIN_HEARTBEAT_MS,
  DEFAULT_PIN_REPLICAS,
  DEFAULT_RELAY_AFTER_MS,
  type IceServer,
  MAX_PEERS_PER_LOOKUP,
  MAX_PIN_REPLICAS,
  MAX_RELAY_AFTER_MS,
  MIN_PIN_HEARTBEAT_MS,
} from '../protocol/signal.js'

export interface ServerConfig {
  port: number
  host: string
  /** The built app (vite build output). */
  staticDir: string
  /** Handed to every client; empty by default so nothing contacts a public STUN server. */
  iceServers: IceServer[]
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug'
  /** Most swarms one connection may join. */
  maxSwarmsPerPeer: number
  stunUrls: string[]
  turnUrls: string[]
  /** coturn's static-auth-secret; empty means TURN URLs are handed out without credentials. */
  turnSecret: string
  turnTtlSeconds: number
  /** 'relay' makes browsers use only TURN, hiding their addresses from peers. */
  iceTransportPolicy: 'all' | 'relay'
  relayEnabled: boolean
  relayAfterMs: number
  /** Relayed bytes per second per connection; 0 for no limit. */
  relayBytesPerSecond: number
  /** Relayed bytes per connection in all; 0 for no limit. */
  relayBudgetBytes: number
  /** Relayed bytes per client address per day (refilling gradually); 0 for no limit. */
  relayBudgetPerIp: number
  /** Origins allowed to open the WebSocket; empty means the server's own origin (and clients that send none). */
  allowedOrigins: string[]
  /** Origins the app's pages may fetch blind mirrors from (CSP connect-src), besides this server's own. */
  mirrorOrigins: string[]
  /** A directory of exported drops (swarmdrop-v1/…) this server serves as a blind mirror; empty: none. */
  mirrorDir: string
  maxMessagesPerSecond: number
  maxConnectionsPerIp: number
  maxPeersPerLookup: number
  /** Reverse proxies in front of the server: the client address is the X-Forwarded-For entry the outermost one appended; 0: the socket's. */
  trustProxy: number
  /** Bearer token for /metrics; empty: /metrics answers only unproxied loopback requests. */
  metricsToken: string
  /** On SIGTERM/SIGINT, how long to wait for clients to leave before exiting. */
  shutdownGraceMs: number
  /** Share state with other processes through Redis; empty for in-memory. */
  redisUrl: string
  redisTtlMs: number
  /** How long the server remembers that a drop was revoked, to tell peers that come back. */
  tombstoneDays: number
  /** Revoke messages (tombstones) one client address may send per hour; 0 for no limit. */
  maxRevokesPerHour: number
  /** Tombstones kept of drops no other peer was in when revoked; past it the oldest of these go. */
  maxUnsharedTombstones: number
  /** Copies of each pinned drop the pin nodes keep. */
  pinReplicas: number
  /** How often pin nodes report their holdings, and the audit runs. */
  pinHeartbeatMs: number
  /** The secret pin nodes show to register; empty: no pin nodes. */
  pinToken: string
}

interface OptionSpec {
  flag: string
  env: string
  default: string
  help: string
}

const OPTIONS: Record<keyof ServerConfig, OptionSpec> = {
  port: { flag: 'port', env: 'PORT', default: '8080', help: 'TCP port for HTTP and WebSocket (0 picks a free port)' },
  host: { flag: 'host', env: 'HOST', default: '127.0.0.1', help: 'address to listen on (0.0.0.0 or :: for every interface)' },
  staticDir: {
    flag: 'static-dir',
    env: 'STATIC_DIR',
    default: fileURLToPath(new URL('../dist', import.meta.url)),
    help: 'directory of the built app to serve',
  },
  iceServers: {
    flag: 'ice-servers',
    env: 'ICE_SERVERS',
    default: '[]',
    help: 'JSON list of RTCIceServer objects given to clients, e.g. [{"urls":"stun:stun.example.org:3478"}]',
  },
  logLevel: { flag: 'log-level', env: 'LOG_LEVEL', default: 'info', help: 'silent, error, warn, info or debug' },
  maxSwarmsPerPeer: { flag: 'max-swarms-per-peer', env: 'MAX_SWARMS_PER_PEER', default: '1000', help: 'swarms one connection may join' },
  stunUrls: { flag: 'stun-urls', env: 'STUN_URLS', default: '', help: 'comma-separated STUN URLs, e.g. stun:turn.example.org:3478' },
  turnUrls: {
    flag: 'turn-urls',
    env: 'TURN_URLS',
    default: '',
    help: 'comma-separated TURN URLs, e.g. turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349',
  },
  turnSecret: {
    flag: 'turn-secret',
    env: 'TURN_SECRET',
    default: '',
    help: "coturn's static-auth-secret: clients get short-lived credentials (prefer the variable: flags show in ps)",
  },
  turnTtlSeconds: { flag: 'turn-ttl', env: 'TURN_TTL', default: '3600', help: 'lifetime of TURN credentials in seconds' },
  iceTransportPolicy: {
    flag: 'ice-transport-policy',
    env: 'ICE_TRANSPORT_POLICY',
    default: 'all',
    help: "'relay' sends all WebRTC through TURN: peers never learn each other's addresses",
  },
  relayEnabled: {
    flag: 'relay',
    env: 'RELAY',
    default: 'on',
    help: "relay peer traffic through this server when direct fails: 'on' or 'off'",
  },
  relayAfterMs: {
    flag: 'relay-after',
    env: 'RELAY_AFTER_MS',
    default: String(DEFAULT_RELAY_AFTER_MS),
    help: 'ms to wait for a direct connection before relaying',
  },
  relayBytesPerSecond: {
    flag: 'relay-rate',
    env: 'RELAY_RATE',
    default: '0',
    help: 'relayed bytes per second per connection (k, M, G suffixes; 0 = no limit)',
  },
  relayBudgetBytes: {
    flag: 'relay-budget',
    env: 'RELAY_BUDGET',
    default: '8G',
    help: 'relayed bytes per connection in all (k, M, G suffixes; 0 = no limit)',
  },
  relayBudgetPerIp: {
    flag: 'relay-budget-per-ip',
    env: 'RELAY_BUDGET_PER_IP',
    default: '32G',
    help: 'relayed bytes per client address (IPv6: per /64) per day, refilling gradually (0 = no limit)',
  },
  allowedOrigins: {
    flag: 'allowed-origins',
    env: 'ALLOWED_ORIGINS',
    default: '',
    help: "comma-separated origins allowed to connect to /ws, or '*'; empty: only pages this server serves",
  },
  mirrorOrigins: {
    flag: 'mirror-origins',
    env: 'MIRROR_ORIGINS',
    default: '',
    help: 'comma-separated origins (https://data.example.org) the app may fetch blind mirrors from; empty: only this server',
  },
  mirrorDir: {
    flag: 'mirror-dir',
    env: 'MIRROR_DIR',
    default: '',
    help: 'serve the drops `swarmdrop export` wrote to this directory as a blind mirror, at /swarmdrop-v1/…',
  },
  maxMessagesPerSecond: {
    flag: 'max-message-rate',
    env: 'MAX_MESSAGE_RATE',
    default: String(DEFAULT_MESSAGES_PER_SECOND),
    help: 'messages per second per connection (bursts of twice that pass); a binary message counts 1/20',
  },
  maxConnectionsPerIp: {
    flag: 'max-connections-per-ip',
    env: 'MAX_CONNECTIONS_PER_IP',
    default: '32',
    help: 'WebSocket connections per client address (IPv6: per /64)',
  },
  maxPeersPerLookup: {
    flag: 'max-peers-per-lookup',
    env: 'MAX_PEERS_PER_LOOKUP',
    default: String(MAX_PEERS_PER_LOOKUP),
    help: `peers returned per announce or lookup (1…${MAX_PEERS_PER_LOOKUP})`,
  },
  trustProxy: {
    flag: 'trust-proxy',
    env: 'TRUST_PROXY',
    default: 'off',
    help: "reverse proxies in front ('on' = 1): the client address is the X-Forwarded-For entry the outermost one appended",
  },
  metricsToken: {
    flag: 'metrics-token',
    env: 'METRICS_TOKEN',
    default: '',
    help: 'bearer token for /metrics (prefer the variable); empty: /metrics answers only loopback requests that came through no proxy',
  },
  shutdownGraceMs: {
    flag: 'shutdown-grace',
    env: 'SHUTDOWN_GRACE_MS',
    default: '10000',
    help: 'ms to let clients leave on SIGTERM/SIGINT',
  },
  redisUrl: {
    flag: 'redis',
    env: 'REDIS_URL',
    default: '',
    help: 'redis://host:port: several server processes share swarms and route to each other’s peers; empty keeps state in memory',
  },
  redisTtlMs: { flag: 'redis-ttl', env: 'REDIS_TTL_MS', default: '30000', help: 'ms a dead process’s peers stay listed in Redis' },
  pinReplicas: {
    flag: 'pin-replicas',
    env: 'PIN_REPLICAS',
    default: String(DEFAULT_PIN_REPLICAS),
    help: 'pin nodes that keep a copy of each pinned drop',
  },
  pinHeartbeatMs: {
    flag: 'pin-heartbeat',
    env: 'PIN_HEARTBEAT_MS',
    default: String(DEFAULT_PIN_HEARTBEAT_MS),
    help: 'ms between pin nodes’ reports and the replication audit; a silent pin node counts as gone after three',
  },
  pinToken: {
    flag: 'pin-token',
    env: 'PIN_TOKEN',
    default: '',
    help: 'secret that pin nodes must present (swarmdrop pin --token); empty: this server takes no pin nodes',
  },
  tombstoneDays: {
    flag: 'tombstone-days',
    env: 'TOMBSTONE_DAYS',
    default: '30',
    help: 'days a revoked drop is remembered, so peers that come back online delete it too; also how long a published mirror list is kept',
  },
  maxRevokesPerHour: {
    flag: 'max-revokes-per-hour',
    env: 'MAX_REVOKES_PER_HOUR',
    default: '60',
    help: 'revoke messages one client address (IPv6: per /64) may send per hour, and mirror-list publishes, counted apart (0 = no limit)',
  },
  maxUnsharedTombstones: {
    flag: 'max-unshared-tombstones',
    env: 'MAX_UNSHARED_TOMBSTONES',
    default: '10000',
    help: 'tombstones kept of drops no other peer was in when revoked; past it the oldest of these are forgotten',
  },
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function helpText(): string {
  const lines = ['Usage: swarmdrop-server [options]', '', 'Options (flag, environment variable, default):']
  for (const spec of Object.values(OPTIONS)) {
    lines.push(`  --${spec.flag.padEnd(24)} ${spec.env.padEnd(24)} ${JSON.stringify(spec.default)}`)
    lines.push(`      ${spec.help}`)
  }
  lines.push(`  --${'help'.padEnd(24)} print this help`)
  return lines.join('\n')
}

function parseIceServers(text: string): IceServer[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ConfigError('--ice-servers must be JSON')
  }
  if (!Array.isArray(value)) throw new ConfigError('--ice-servers must be a JSON array')
  for (const s of value) {
    const urls = (s as IceServer)?.urls
    if (!(typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string')))) {
      throw new ConfigError('each ICE server needs "urls": a string or a list of strings')
    }
  }
  return value as IceServer[]
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/** "512k", "10M", "2G" (binary units, optional "iB"/"B"), or plain bytes. */
function bytes(name: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text)
  if (!match) throw new ConfigError(`--${name} must be a size like 500000, 512k, 10M or 2G`)
  return Math.round(Number(match[1]) * UNITS[match[2].toLowerCase()])
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

function urls(name: string, text: string, schemes: RegExp): string[] {
  const out = list(text)
  for (const url of out) if (!schemes.test(url)) throw new ConfigError(`--${name}: ${url} is not a ${schemes.source} URL`)
  return out
}

/** Origins as CSP sources: scheme, host and port only, so nothing else can slip into the header. */
function origins(name: string, text: string): string[] {
  return list(text).map((entry) => {
    let url: URL | null = null
    try {
      url = new URL(entry)
    } catch {}
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== entry.replace(/\/$/, '')) {
      throw new ConfigError(`--${name}: ${entry} is not an origin like https://data.example.org`)
    }
    return url.origin
  })
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name} must be an integer in ${min}…${max}`)
  return n
}

function redisUrl(text: string): string {
  if (text && !/^rediss?:\/\//.test(text)) throw new ConfigError('--redis must be a redis:// or rediss:// URL')
  return text
}

/** 'off' (0), 'on' (1) or a number of proxies. */
function hops(text: string): number {
  if (text === 'off') return 0
  if (text === 'on') return 1
  if (!/^\d{1,2}$/.test(text) || Number(text) > 10)
    throw new ConfigError('--trust-proxy must be off, on or the number of proxies in front (0…10)')
  return Number(text)
}

function oneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new ConfigError(`--${name} must be one of ${allowed.join(', ')}`)
  return text as T
}

/** Returns the config, or null when --help was asked for. Throws ConfigError on bad input. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean' },
      ...Object.fromEntries(Object.values(OPTIONS).map((o) => [o.flag, { type: 'string' as const }])),
    },
    strict: true,
  })
  if (values.help) return null
  const pick = (key: keyof ServerConfig) => {
    const spec = OPTIONS[key]
    return ((values as Record<string, unknown>)[spec.flag] as string | undefined) ?? env[spec.env] ?? spec.default
  }
  const logLevel = oneOf('log-level', pick('logLevel'), ['silent', 'error', 'warn', 'info', 'debug'] as const)
  return {
    port: integer('port', pick('port'), 0, 65535),
    host: pick('host'),
    staticDir: pick('staticDir'),
    iceServers: parseIceServers(pick('iceServers')),
    logLevel,
    maxSwarmsPerPeer: integer('max-swarms-per-peer', pick('maxSwarmsPerPeer'), 1, 100_000),
    stunUrls: urls('stun-urls', pick('stunUrls'), /^stuns?:/),
    turnUrls: urls('turn-urls', pick('turnUrls'), /^turns?:/),
    turnSecret: pick('turnSecret'),
    turnTtlSeconds: integer('turn-ttl', pick('turnTtlSeconds'), 60, 7 * 24 * 3600),
    iceTransportPolicy: oneOf('ice-transport-policy', pick('iceTransportPolicy'), ['all', 'relay'] as const),
    relayEnabled: oneOf('relay', pick('relayEnabled'), ['on', 'off'] as const) === 'on',
    relayAfterMs: integer('relay-after', pick('relayAfterMs'), 0, MAX_RELAY_AFTER_MS),
    relayBytesPerSecond: bytes('relay-rate', pick('relayBytesPerSecond')),
    relayBudgetBytes: bytes('relay-budget', pick('relayBudgetBytes')),
    relayBudgetPerIp: bytes('relay-budget-per-ip', pick('relayBudgetPerIp')),
    allowedOrigins: list(pick('allowedOrigins')),
    mirrorOrigins: origins('mirror-origins', pick('mirrorOrigins')),
    mirrorDir: pick('mirrorDir'),
    maxMessagesPerSecond: integer('max-message-rate', pick('maxMessagesPerSecond'), 1, 100_000),
    maxConnectionsPerIp: integer('max-connections-per-ip', pick('maxConnectionsPerIp'), 1, 1_000_000),
    maxPeersPerLookup: integer('max-peers-per-lookup', pick('maxPeersPerLookup'), 1, MAX_PEERS_PER_LOOKUP),
    trustProxy: hops(pick('trustProxy')),
    metricsToken: pick('metricsToken'),
    shutdownGraceMs: integer('shutdown-grace', pick('shutdownGraceMs'), 0, 600_000),
    redisUrl: redisUrl(pick('redisUrl')),
    redisTtlMs: integer('redis-ttl', pick('redisTtlMs'), 500, 3_600_000),
    tombstoneDays: integer('tombstone-days', pick('tombstoneDays'), 1, 3650),
    maxRevokesPerHour: integer('max-revokes-per-hour', pick('maxRevokesPerHour'), 0, 1_000_000),
    maxUnsharedTombstones: integer('max-unshared-tombstones', pick('maxUnsharedTombstones'), 1, 10_000_000),
    pinReplicas: integer('pin-replicas', pick('pinReplicas'), 1, MAX_PIN_REPLICAS),
    pinHeartbeatMs: integer('pin-heartbeat', pick('pinHeartbeatMs'), MIN_PIN_HEARTBEAT_MS, 3_600_000),
    pinToken: pick('pinToken'),
  }
}
