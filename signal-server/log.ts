/**
 * Structured logs: one JSON line per event on stderr (pino), at a level set by
 * --log-level. Nothing secret is ever logged, and no CIDs: the log must not
 * become a list of what is shared.
 */
import pino from 'pino'

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug'

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  debug(msg: string, fields?: Record<string, unknown>): void
}

export function createLogger(level: LogLevel): Logger {
  const log = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2))
  return {
    error: (msg, fields) => log.error(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
  }
}
