/**
 * Per-test bookkeeping for the CLI's vitest suites: commands started with
 * `start` are killed and directories from `dir` removed after each test.
 */
import { afterEach } from 'vitest'
import { type CliProcess, removeDir, startCli, tempDir } from './cli.fixtures.js'

export function useCliRuns() {
  const running: CliProcess[] = []
  const dirs: string[] = []
  afterEach(async () => {
    for (const p of running.splice(0)) {
      p.child.kill('SIGKILL')
      await p.exited
    }
    dirs.splice(0).forEach(removeDir)
  })
  return {
    /** A fresh temporary directory. */
    dir(): string {
      const d = tempDir()
      dirs.push(d)
      return d
    },
    /** Starts a long-running command (share, seed, pin). */
    start(args: string[], env: Record<string, string> = {}): CliProcess {
      const p = startCli(args, env)
      running.push(p)
      return p
    },
  }
}
