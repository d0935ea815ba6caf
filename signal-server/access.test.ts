/**
 * Who the server thinks a client is, and who may read what: addresses behind
 * trusted proxies, IPv6 clients by /64, /metrics for operators only, and
 * /healthz during shutdown.
 */
import { describe, expect, it } from 'vitest'
import { connectClient, useTestServers } from './test-client.js'

const { start, sockets, raw } = useTestServers()
const forwardedFor = (chain: string) => ({ 'X-Forwarded-For': chain })

describe('client addresses', () => {
  it('behind one trusted proxy, limits the address the proxy appended, whatever the client wrote before it', async () => {
    const s = await start({ trustProxy: 1, maxConnectionsPerIp: 2 })
    // The client writes the left part; the proxy appends the address it saw (203.0.113.7).
    for (let i = 1; i <= 2; i++) expect((await raw(s, forwardedFor(`198.51.100.${i}, 203.0.113.7`))).status).toBeUndefined()
    expect((await raw(s, forwardedFor('198.51.100.3, 203.0.113.7'))).status).toBe(429)
    expect((await raw(s, forwardedFor('203.0.113.7'))).status).toBe(429)
    expect((await raw(s, forwardedFor('198.51.100.3, 203.0.113.8'))).status).toBeUndefined()
  })

  it('with two trusted proxies, takes the address the outer one appended', async () => {
    const s = await start({ trustProxy: 2, maxConnectionsPerIp: 1 })
    expect((await raw(s, forwardedFor('198.51.100.1, 203.0.113.7, 192.0.2.1'))).status).toBeUndefined()
    expect((await raw(s, forwardedFor('198.51.100.2, 203.0.113.7, 192.0.2.1'))).status).toBe(429)
    expect((await raw(s, forwardedFor('203.0.113.8, 192.0.2.1'))).status).toBeUndefined()
  })

  it('ignores X-Forwarded-For without --trust-proxy', async () => {
    const s = await start({ maxConnectionsPerIp: 1 })
    expect((await raw(s, forwardedFor('198.51.100.1'))).status).toBeUndefined()
    expect((await raw(s, forwardedFor('198.51.100.2'))).status).toBe(429)
  })

  it('limits IPv6 clients per /64: one host varying its interface id gets no more connections', async () => {
    const s = await start({ trustProxy: 1, maxConnectionsPerIp: 2 })
    expect((await raw(s, forwardedFor('2001:db8:1:2::1'))).status).toBeUndefined()
    expect((await raw(s, forwardedFor('2001:db8:1:2:aaaa:bbbb:cccc:dddd'))).status).toBeUndefined()
    expect((await raw(s, forwardedFor('2001:0db8:0001:0002::3'))).status).toBe(429)
    expect((await raw(s, forwardedFor('[2001:db8:1:2::4]:443'))).status).toBe(429)
    expect((await raw(s, forwardedFor('2001:db8:1:3::1'))).status).toBeUndefined()
    expect((await raw(s, forwardedFor('::ffff:203.0.113.9'))).status).toBeUndefined() // an IPv4 client, by its IPv4 address
    expect((await raw(s, forwardedFor('203.0.113.9'))).status).toBeUndefined()
    expect((await raw(s, forwardedFor('203.0.113.9'))).status).toBe(429)
  })
})

describe('/metrics', () => {
  it('answers loopback scrapes, and refuses a request that came through a proxy', async () => {
    const s = await start({ trustProxy: 1 })
    const local = await fetch(s.url + '/metrics')
    expect(local.status).toBe(200)
    expect(await local.text()).toMatch(/^swarmdrop_peers 0$/m)
    const proxied = await fetch(s.url + '/metrics', { headers: forwardedFor('203.0.113.7') })
    expect(proxied.status).toBe(403)
    expect(await proxied.text()).not.toContain('swarmdrop_')
    expect((await fetch(s.url + '/metrics', { headers: { Forwarded: 'for=203.0.113.7' } })).status).toBe(403)
  })

  it('with --metrics-token, answers only the bearer of the token, from anywhere', async () => {
    const s = await start({ metricsToken: 'scrape-secret' })
    expect((await fetch(s.url + '/metrics')).status).toBe(401)
    expect((await fetch(s.url + '/metrics', { headers: { Authorization: 'Bearer scrape-secre' } })).status).toBe(401)
    expect((await fetch(s.url + '/metrics', { headers: { Authorization: 'Basic scrape-secret' } })).status).toBe(401)
    const ok = await fetch(s.url + '/metrics', { headers: { Authorization: 'Bearer scrape-secret', ...forwardedFor('203.0.113.7') } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toMatch(/^swarmdrop_peers 0$/m)
  })
})

describe('/healthz', () => {
  it('answers 503 from the moment shutdown starts, while clients are still being let go', async () => {
    const s = await start()
    expect((await fetch(s.url + '/healthz')).status).toBe(200)
    const lingering = await connectClient(s, sockets)
    // It stops reading, so it never answers the close: the grace period runs while it stays.
    ;(lingering.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const done = s.close(10_000)
    const health = await fetch(s.url + '/healthz')
    expect(health.status).toBe(503)
    expect(await health.text()).toBe('shutting down\n')
    expect((await raw(s)).status).toBe(503) // and new WebSocket clients are sent elsewhere
    lingering.ws.terminate()
    await done
  })
})
