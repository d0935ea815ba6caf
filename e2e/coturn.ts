/**
 * A real coturn (Debian's package) on loopback, with the shared-secret
 * (TURN REST) scheme the server mints credentials for. Started inside the
 * test namespace, like everything else.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const TURNSERVER = '/usr/bin/turnserver'

export interface Coturn {
  url: string
  stop(): Promise<void>
}

export async function startCoturn(secret: string, port = 3478): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) throw new Error('coturn is not installed: `npm test` installs it (apt-get install coturn)')
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-turn-'))
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--min-port=49160',
      '--max-port=49260',
      '--realm=swarmdrop.test',
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--allow-loopback-peers',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(dir, 'turn.pid')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await new Promise<void>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`coturn did not start: ${out.slice(-2000)}`)), 15_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      // coturn logs its listener set-up; after this line it answers on the port.
      if (/Total General servers|relay ports|IPv4. UDP listener opened/.test(out)) {
        clearTimeout(timer)
        setTimeout(resolve, 200)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`coturn exited with ${code}: ${out.slice(-2000)}`)))
  })
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
