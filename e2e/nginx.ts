/**
 * A real static web server for the mirror tests: Debian's nginx, one
 * process with a server block per site on its own loopback port, each
 * serving a directory, with or without CORS. Started by the test inside its
 * network namespace and stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from './engine-page.js'
import { freePort } from '../cli/cli.fixtures.js'

export { freePort }

export const NGINX_PATH = process.env.NGINX_PATH ?? '/usr/sbin/nginx'

export interface Site {
  /** The directory served at the site's root. */
  root: string
  /** Access-Control-Allow-Origin on every answer; none: browsers on other origins are refused the bytes. */
  cors: boolean
}

export interface Nginx {
  /** Each site's base URL (ending in `/`), in the order given. */
  readonly bases: string[]
  stop(): Promise<void>
}

export async function startNginx(sites: Site[]): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'swarmdrop-nginx-'))
  mkdirSync(join(prefix, 'logs'))
  const ports = await Promise.all(sites.map(() => freePort()))
  const servers = sites.map(
    (site, i) => `
    server {
      listen 127.0.0.1:${ports[i]};
      root ${site.root};
      location / {
        ${site.cors ? 'add_header Access-Control-Allow-Origin "*" always;' : ''}
      }
    }`,
  )
  // The test runs as root with temporary directories only root may read: so do the workers.
  const conf = `
    user root;
    daemon off;
    worker_processes 1;
    pid ${prefix}/nginx.pid;
    error_log stderr crit;
    events { worker_connections 256; }
    http {
      access_log off;
      client_body_temp_path ${prefix}/body;
      proxy_temp_path ${prefix}/proxy;
      fastcgi_temp_path ${prefix}/fastcgi;
      uwsgi_temp_path ${prefix}/uwsgi;
      scgi_temp_path ${prefix}/scgi;
      default_type application/octet-stream;
      ${servers.join('\n')}
    }`
  writeFileSync(join(prefix, 'nginx.conf'), conf)
  const child: ChildProcess = spawn(NGINX_PATH, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const bases = ports.map((port) => `http://127.0.0.1:${port}/`)
  await waitFor('nginx to listen', async () => (child.exitCode === null && (await answers(bases[0])) ? true : undefined), 10_000)
  return {
    bases,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT')
      await exited
    },
  }
}

async function answers(base: string): Promise<boolean> {
  try {
    await fetch(base)
    return true
  } catch {
    return false
  }
}
