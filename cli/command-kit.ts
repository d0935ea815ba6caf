/**
 * What every `swarmdrop` command shares: the common options and their
 * parsing, the server's link origin, and connecting an engine to the server.
 */
import { parseArgs } from 'node:util'
import { printable } from '../web/core/util/printable.js'
import { UsageError } from './exit-codes.js'
import { ServerUnreachableError, createNodeEngine, waitForServer, type NodeEngine } from './node-engine.js'

export const COMMON = {
  server: { type: 'string' },
  'relay-only': { type: 'boolean' },
  'connect-timeout': { type: 'string', default: '15' },
  help: { type: 'boolean', short: 'h' },
} as const

export function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string; default?: string; multiple?: boolean }>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

export function seconds(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number of seconds`)
  return n * 1000
}

/** The http(s) origin links are made with, from a server address. */
export function linkOrigin(server: string): string {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new UsageError(`not a server address: ${server}`)
  }
  const scheme = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:'
  return `${scheme}//${url.host}`
}

export async function connect(options: {
  server: string
  storeDir: string
  maxBytes?: number
  connectTimeout?: string
  relayOnly?: boolean
  /** Mirrors can serve everything: without the server, go on (it keeps being retried) instead of failing. */
  serverOptional?: boolean
}): Promise<NodeEngine> {
  const node = await createNodeEngine(options)
  try {
    await waitForServer(node.engine, seconds(options.connectTimeout, 'connect-timeout') ?? 15_000)
  } catch (err) {
    if (options.serverOptional) {
      process.stderr.write(`${printable((err as Error).message)}: ${printable(options.server)}; fetching from the link's mirrors.\n`)
      return node
    }
    await node.close()
    throw new ServerUnreachableError(`${(err as Error).message}: ${options.server}`)
  }
  return node
}
