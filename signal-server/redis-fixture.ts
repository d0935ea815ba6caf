/** A real redis-server (Debian's package) on a loopback port, for the scale-out tests. */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const REDIS_SERVER = '/usr/bin/redis-server'

export async function startRedis(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  if (!existsSync(REDIS_SERVER)) throw new Error('redis-server is not installed: `npm test` installs it (apt-get install redis-server)')
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-redis-'))
    const child: ChildProcess = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const ready = await new Promise<boolean>((resolve) => {
      let out = ''
      const timer = setTimeout(() => resolve(false), 10_000)
      child.stdout!.on('data', (d: Buffer) => {
        out += d
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer)
          resolve(true)
        }
      })
      child.once('exit', () => resolve(false))
    })
    if (!ready) {
      child.kill('SIGKILL')
      continue
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      pid: child.pid!,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once('exit', () => resolve())
          child.kill('SIGTERM')
        }),
    }
  }
  throw new Error('could not start redis-server')
}
