/**
 * Who a request comes from, and what it may read: the client address behind
 * trusted reverse proxies, the key per-address limits count under (IPv6 by
 * /64, what one subscriber usually gets), and access to /metrics.
 */
import type { IncomingMessage } from 'node:http'
import { isIP, isIPv6 } from 'node:net'
import { timingSafeEqual } from 'node:crypto'

/** "203.0.113.7", "203.0.113.7:5000", "[2001:db8::1]:443", "2001:db8::1" → the bare address, or null. */
function bareAddress(entry: string): string | null {
  const text = entry.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text)
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text)
  const address = bracketed?.[1] ?? v4WithPort?.[1] ?? text
  return isIP(address.split('%')[0]) ? address.split('%')[0] : null
}

/**
 * The client's address. Behind `trustedHops` proxies, each appends the
 * address it received the request from to X-Forwarded-For, so the entry
 * `trustedHops` from the right was written by the outermost trusted proxy;
 * whatever stands left of it the client wrote and is ignored.
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown'
  if (trustedHops === 0) return socket
  // Node joins repeated X-Forwarded-For headers with ", ".
  const chain = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .filter((e) => e.trim() !== '')
  if (chain.length === 0) return socket
  // Fewer entries than trusted hops: every entry was written by a trusted proxy, the leftmost is the client.
  return bareAddress(chain[Math.max(0, chain.length - trustedHops)]) ?? socket
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail counts as two). */
function ipv6Groups(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined]
  const parse = (part: string | undefined) =>
    (part ? part.split(':') : []).flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)]
      const [a, b, c, d] = g.split('.').map(Number)
      return [(a << 8) | b, (c << 8) | d]
    })
  const left = parse(head)
  const right = parse(tail)
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right]
}

/**
 * What per-address limits count under: an IPv4 address as it is (also when
 * IPv4-mapped), an IPv6 address by its /64 prefix, since one host or home
 * usually holds a whole /64 and can use any address in it.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  if (mapped) return mapped[1]
  if (!isIPv6(address)) return address
  return (
    ipv6Groups(address)
      .slice(0, 4)
      .map((g) => g.toString(16))
      .join(':') + '::/64'
  )
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  return address === '::1' || /^(::ffff:)?127\./i.test(address)
}

/** Compares a configured secret in constant time; an empty configured secret matches nothing. */
export function tokenMatches(given: string, expected: string): boolean {
  if (expected === '') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Who may read /metrics: with a token, whoever presents it as a bearer token;
 * without one, only a scraper on this machine. A request that carries
 * forwarding headers came through a proxy, from anywhere, even though its
 * socket is local.
 */
export function metricsAccess(req: IncomingMessage, token: string): 200 | 401 | 403 {
  if (token) {
    const given = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? ''
    return tokenMatches(given, token) ? 200 : 401
  }
  const forwarded = req.headers['x-forwarded-for'] ?? req.headers.forwarded ?? req.headers['x-real-ip']
  return forwarded === undefined && isLoopback(req.socket.remoteAddress) ? 200 : 403
}
