/**
 * The ICE servers clients get: STUN URLs as configured, TURN URLs with
 * short-lived credentials minted per client in the TURN REST scheme that
 * coturn's `use-auth-secret` checks (username "<unix expiry>:<peer id>",
 * credential base64(HMAC-SHA1(secret, username))), plus any raw entries.
 *
 * TURN is for members of a swarm: the welcome carries only what has no TURN
 * URL, and the hub sends the full list once a connection announces or looks
 * up a swarm.
 */
import { createHmac } from 'node:crypto'
import type { IceServer } from '../protocol/signal.js'
import type { ServerConfig } from './config.js'

type IceConfig = Pick<ServerConfig, 'iceServers' | 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtlSeconds'>

export function turnCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64')
}

const isTurnEntry = (s: IceServer) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/i.test(u))

/** Whether any TURN server is configured (minted or raw): only then is there anything to hold back from the welcome. */
function hasTurn(config: IceConfig): boolean {
  return config.turnUrls.length > 0 || config.iceServers.some(isTurnEntry)
}

/** What the welcome carries: every entry without a TURN URL. */
function welcomeIceServers(config: IceConfig): IceServer[] {
  const servers = config.iceServers.filter((s) => !isTurnEntry(s))
  if (config.stunUrls.length > 0) servers.push({ urls: config.stunUrls })
  return servers
}

/** Every ICE server for one member, TURN credentials minted for it now. */
export function iceServersFor(config: IceConfig, peerId: string, nowMs: number): IceServer[] {
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

export interface IcePolicy {
  /** In the welcome: no TURN server. */
  welcome: IceServer[]
  /** Every ICE server for a member, TURN credentials minted for it; null when there is no TURN. */
  forMember: ((peerId: string, nowMs: number) => IceServer[]) | null
  /** A member gets fresh TURN credentials at its next announce or lookup once they are this old: half their lifetime. */
  refreshAfterMs: number
}

export function icePolicy(config: IceConfig): IcePolicy {
  return {
    welcome: welcomeIceServers(config),
    forMember: hasTurn(config) ? (peerId, nowMs) => iceServersFor(config, peerId, nowMs) : null,
    refreshAfterMs: (config.turnTtlSeconds * 1000) / 2,
  }
}
