/** Runs the real `swarmdrop` command as child processes, for tests (vitest and Playwright alike). */
import { createServer, type AddressInfo } from 'node:net'
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pseudoRandomBytes } from '../web/core/util/random.js'

const BIN = join(dirname(fileURLToPath(import.meta.url)), 'bin.mjs')
/** Candidates on loopback only, also when a test runs outside the loopback-only namespace. */
const ENV = { ...process.env, SWARMDROP_BIND_ADDRESS: '127.0.0.1' }

export interface CliProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves with the first stdout or stderr match of `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  exited: Promise<number>
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const waiters: (() => void)[] = []
  child.stdout!.on('data', (d) => {
    out += d
    waiters.forEach((w) => w())
  })
  child.stderr!.on('data', (d) => {
    err += d
    waiters.forEach((w) => w())
  })
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))))
  const outputEnded = new Promise<void>((resolve) => child.once('close', () => resolve())) // after the last byte of output
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}\nstdout: ${out}\nstderr: ${err}`)), timeoutMs)
        const check = () => {
          const m = pattern.exec(out) ?? pattern.exec(err)
          if (!m) return
          clearTimeout(timer)
          resolve(m)
        }
        waiters.push(check)
        check()
        void outputEnded.then(() => {
          check()
          clearTimeout(timer)
          reject(new Error(`exited before ${pattern}\nstdout: ${out}\nstderr: ${err}`)) // no-op once matched
        })
      })
    },
  }
}

/** Runs a command to its end. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = startCli(args, env)
  const code = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}

export function tempDir(prefix = 'swarmdrop-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** Writes `size` deterministic pseudo-random (incompressible) bytes; returns them. */
export function writeRandomFile(path: string, size: number, seed = 1): Buffer {
  const bytes = Buffer.from(pseudoRandomBytes(size, seed))
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, bytes)
  return bytes
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** A loopback port nothing listens on (found by binding it, then letting go). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
