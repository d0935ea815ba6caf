/**
 * A real coturn (Debian's package) on loopback, with the shared-secret
 * (TURN REST) scheme the server mints credentials for. Started inside the
 * test namespace, like everything else.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
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
    const onData = (chunk: Buffer) => (out += chunk.toString())
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    // Started once it answers a STUN binding request (asked again until then).
    const probe = createSocket('udp4')
    const transaction = randomBytes(12)
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transaction])
    const ask = () => probe.send(request, port, '127.0.0.1')
    const retry = setInterval(ask, 100)
    const timer = setTimeout(() => done(new Error(`coturn did not start: ${out.slice(-2000)}`)), 15_000)
    let finished = false
    const done = (err?: Error) => {
      if (finished) return
      finished = true
      clearInterval(retry)
      clearTimeout(timer)
      probe.close()
      if (err) reject(err)
      else resolve()
    }
    probe.on('message', (m) => m.length >= 20 && m.readUInt16BE(0) === 0x0101 && m.subarray(8, 20).equals(transaction) && done())
    child.once('exit', (code) => done(new Error(`coturn exited with ${code}: ${out.slice(-2000)}`)))
    ask()
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
