/**
 * Server configuration: command-line flags > environment variables > defaults.
 * Every option is listed by --help with its default and its variable.
 */
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import type { IceServer } from '../protocol/signal.js'

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
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function helpText(): string {
  const lines = ['Usage: swarmdrop-server [options]', '', 'Options (flag, environment variable, default):']
  for (const spec of Object.values(OPTIONS)) {
    lines.push(`  --${spec.flag.padEnd(22)} ${spec.env.padEnd(22)} ${JSON.stringify(spec.default)}`)
    lines.push(`      ${spec.help}`)
  }
  lines.push(`  --${'help'.padEnd(22)} print this help`)
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

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name} must be an integer in ${min}…${max}`)
  return n
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
  const logLevel = pick('logLevel')
  if (!['silent', 'error', 'warn', 'info', 'debug'].includes(logLevel)) throw new ConfigError('--log-level is not a known level')
  return {
    port: integer('port', pick('port'), 0, 65535),
    host: pick('host'),
    staticDir: pick('staticDir'),
    iceServers: parseIceServers(pick('iceServers')),
    logLevel: logLevel as ServerConfig['logLevel'],
    maxSwarmsPerPeer: integer('max-swarms-per-peer', pick('maxSwarmsPerPeer'), 1, 100_000),
  }
}
