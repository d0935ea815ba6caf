/**
 * Runs a shell command inside a fresh network namespace that has only a
 * loopback interface: WebRTC between headless pages finds its path on
 * loopback there, and nothing can send a packet anywhere but 127.0.0.1.
 * Inside one already (SWARMDROP_IN_NETNS=1), runs the command as is.
 *
 * With `veth`, the namespace also gets a veth pair (10.99.0.1 and 10.99.0.2,
 * both ends inside it) and a default route over it: Firefox never offers a
 * loopback ICE candidate, and gathers none at all without a default route.
 * Both ends are in the namespace, so there is still no way out.
 */
import { execFileSync, spawnSync } from 'node:child_process'

const VETH = [
  'ip link add v0 type veth peer name v1',
  'ip addr add 10.99.0.1/24 dev v0',
  'ip addr add 10.99.0.2/24 dev v1',
  'ip link set v0 up',
  'ip link set v1 up',
  'ip route add default dev v0',
].join(' && ')

export function runInLoopbackNamespace(command, { veth = false } = {}) {
  if (process.env.SWARMDROP_IN_NETNS === '1') return spawnSync('sh', ['-c', command], { stdio: 'inherit' }).status ?? 1
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' })
  } catch {
    console.error(`Cannot create a network namespace (unshare -n needs root or user namespaces).
Run as root (sudo), or inside a namespace with only loopback and SWARMDROP_IN_NETNS=1 set.`)
    return 1
  }
  const setup = veth ? `ip link set lo up && ${VETH}` : 'ip link set lo up'
  const inner = `${setup} && SWARMDROP_IN_NETNS=1 ${veth ? 'SWARMDROP_NETNS_VETH=1 ' : ''}${command}`
  return spawnSync('unshare', ['-n', 'sh', '-c', inner], { stdio: 'inherit' }).status ?? 1
}

// `node scripts/netns.mjs [--veth] <command…>`
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const veth = args[0] === '--veth'
  process.exit(runInLoopbackNamespace((veth ? args.slice(1) : args).join(' '), { veth }))
}
