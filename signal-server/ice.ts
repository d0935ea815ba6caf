/**
 * The ICE servers each client gets: STUN URLs as configured, TURN URLs with
 * short-lived credentials minted per client in the TURN REST scheme that
 * coturn's `use-auth-secret` checks (username "<unix expiry>:<peer id>",
 * credential base64(HMAC-SHA1(secret, username))), plus any raw entries.
 */
import { createHmac } from 'node:crypto'
import type { IceServer } from '../protocol/signal.js'
import type { ServerConfig } from './config.js'

export function turnCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64')
}

export function iceServersFor(
  config: Pick<ServerConfig, 'iceServers' | 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtlSeconds'>,
  peerId: string,
  nowMs: number,
): IceServer[] {
  const servers: IceServer[] = [...config.iceServers]
  if (config.stunUrls.length > 0) servers.push({ urls: config.stunUrls })
  if (config.turnUrls.length > 0) {
    if (config.turnSecret) {
      const username = `${Math.floor(nowMs / 1000) + config.turnTtlSeconds}:${peerId}`
      servers.push({ urls: config.turnUrls, username, credential: turnCredential(config.turnSecret, username) })
    } else {
      servers.push({ urls: config.turnUrls })
    }
  }
  return servers
}
