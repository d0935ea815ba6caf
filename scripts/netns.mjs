/**
 * Runs a shell command inside a fresh network namespace that has only a
 * loopback interface: WebRTC between headless pages finds its path on
 * loopback there, and nothing can send a packet anywhere but 127.0.0.1.
 * Inside one already (SWARMDROP_IN_NETNS=1), runs the command as is.
 */
import { execFileSync, spawnSync } from 'node:child_process'

export function runInLoopbackNamespace(command) {
  if (process.env.SWARMDROP_IN_NETNS === '1') return spawnSync('sh', ['-c', command], { stdio: 'inherit' }).status ?? 1
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' })
  } catch {
    console.error(`Cannot create a network namespace (unshare -n needs root or user namespaces).
Run as root (sudo), or inside a namespace with only loopback and SWARMDROP_IN_NETNS=1 set.`)
    return 1
  }
  const inner = `ip link set lo up && SWARMDROP_IN_NETNS=1 ${command}`
  return spawnSync('unshare', ['-n', 'sh', '-c', inner], { stdio: 'inherit' }).status ?? 1
}

// `node scripts/netns.mjs <command…>`
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(runInLoopbackNamespace(process.argv.slice(2).join(' ')))
}
