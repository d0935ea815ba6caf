/** CLI entry: `swarmdrop-server [options]`, see --help. */
import { ConfigError, helpText, loadConfig } from './config.js'
import { createLogger } from './log.js'
import { startServer } from './server.js'
import { RedisState } from './state/redis.js'

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(process.argv.slice(2), process.env)
  } catch (err) {
    const message =
      err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? (err as Error).message : String(err)
    process.stderr.write(`swarmdrop-server: ${message}\n\n${helpText()}\n`)
    process.exit(2)
  }
  if (!config) {
    process.stdout.write(helpText() + '\n')
    return
  }
  const logger = createLogger(config.logLevel)
  const state = config.redisUrl ? await RedisState.connect({ url: config.redisUrl, ttlMs: config.redisTtlMs }) : undefined
  const server = await startServer(config, { logger, state })
  // Tests and scripts read the port from this line.
  process.stdout.write(`Swarmdrop listening on ${server.url}\n`)
  logger.info('listening', { url: server.url, relay: config.relayEnabled, turn: config.turnUrls.length > 0 })
  const shutdown = (signal: string) => {
    logger.info('shutting down: asking clients to reconnect', { signal, graceMs: config.shutdownGraceMs })
    const deadline = setTimeout(() => process.exit(0), config.shutdownGraceMs + 5_000)
    deadline.unref()
    void server.close(config.shutdownGraceMs).then(() => process.exit(0))
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

main().catch((err) => {
  process.stderr.write(`swarmdrop-server: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
