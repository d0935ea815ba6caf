/**
 * The server as a blind mirror (`--mirror-dir`) and the mirror origins its
 * pages may fetch from (`--mirror-origins`): exported files are served to
 * any origin, nothing outside the layout is, and the CSP names exactly the
 * origins configured — a value that is not an origin is refused, so nothing
 * can be smuggled into the header.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testServer } from './test-client.js'
import { ConfigError, loadConfig } from './config.js'
import type { RunningServer } from './server.js'

const servers: RunningServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

function exportedDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-mirror-dir-'))
  mkdirSync(join(dir, 'swarmdrop-v1', 'bafkreiexample', 'pieces'), { recursive: true })
  writeFileSync(join(dir, 'swarmdrop-v1', 'bafkreiexample', 'manifest'), 'MANIFEST')
  writeFileSync(join(dir, 'swarmdrop-v1', 'bafkreiexample', 'pieces', 'ab'), 'SEALED')
  writeFileSync(join(dir, 'secret.txt'), 'not in the layout')
  mkdirSync(join(dir, '.swarmdrop-export-x'))
  writeFileSync(join(dir, '.swarmdrop-export-x', 'staged'), 'staging')
  return dir
}

describe('the server as a blind mirror', () => {
  it('serves exported files under /swarmdrop-v1/ to any origin, and nothing else of the directory', async () => {
    const dir = exportedDir()
    const server = await testServer({ mirrorDir: dir })
    servers.push(server)
    const manifest = await fetch(`${server.url}/swarmdrop-v1/bafkreiexample/manifest`, { headers: { Origin: 'https://elsewhere.example' } })
    expect(manifest.status).toBe(200)
    expect(await manifest.text()).toBe('MANIFEST')
    expect(manifest.headers.get('access-control-allow-origin')).toBe('*')
    expect(await (await fetch(`${server.url}/swarmdrop-v1/bafkreiexample/pieces/ab`)).text()).toBe('SEALED')
    for (const path of ['/swarmdrop-v1/../secret.txt', '/swarmdrop-v1/%2e%2e/secret.txt', '/swarmdrop-v1/bafkreiexample/pieces/none']) {
      const response = await fetch(server.url + path)
      expect(await response.text(), path).not.toContain('not in the layout')
      if (path.startsWith('/swarmdrop-v1/bafkreiexample')) expect(response.status).toBe(404)
    }
    expect((await fetch(`${server.url}/swarmdrop-v1/bafkreiexample/manifest`, { method: 'POST' })).status).toBe(405)
  })

  it('answers 404 under /swarmdrop-v1/ when it mirrors nothing', async () => {
    const server = await testServer()
    servers.push(server)
    expect((await fetch(`${server.url}/swarmdrop-v1/bafkreiexample/manifest`)).status).toBe(404)
  })
})

describe('mirror origins', () => {
  it('are added to connect-src, and only there', async () => {
    const server = await testServer({ mirrorOrigins: ['https://data.example.org', 'http://127.0.0.1:8081'] })
    servers.push(server)
    const csp = (await fetch(server.url + '/')).headers.get('content-security-policy')!
    expect(csp).toContain("connect-src 'self' https://data.example.org http://127.0.0.1:8081;")
    expect(csp).toContain("script-src 'self';")
    expect((await fetch(server.url + '/')).headers.get('access-control-allow-origin')).toBeNull()
  })

  it('refuse what is not an origin, so nothing can be smuggled into the CSP', () => {
    expect(loadConfig(['--mirror-origins', 'https://data.example.org/, http://[::1]:8080'], {})!.mirrorOrigins).toEqual([
      'https://data.example.org',
      'http://[::1]:8080',
    ])
    expect(loadConfig([], { MIRROR_ORIGINS: 'https://a.example' })!.mirrorOrigins).toEqual(['https://a.example'])
    for (const bad of [
      "https://a.example 'unsafe-eval'",
      'https://a.example/path',
      'ftp://a.example',
      "'self'",
      'https://a.example;script-src *',
      '*',
    ]) {
      expect(() => loadConfig(['--mirror-origins', bad], {}), bad).toThrow(ConfigError)
    }
  })
})
