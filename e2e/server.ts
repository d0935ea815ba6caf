/**
 * Starts the real server as a child process on a free loopback port, the way
 * `npm start` runs it, so tests can also kill and restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process'

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly pid: number
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>
  /** Sudden death (SIGKILL), as a crash or an OOM kill. */
  kill(): Promise<void>
}

export async function startTestServer(extraArgs: string[] = [], port = 0, env: Record<string, string> = {}): Promise<TestServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'signal-server/main.ts', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)))
    child.stdout!.resume()
  })
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill(signal)
    })
  return { url, port: Number(new URL(url).port), pid: child.pid!, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') }
}
