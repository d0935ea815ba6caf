/**
 * `npm run bench [-- <name…>] [--quick]`: runs the benchmarks (all by default)
 * inside a network namespace, each printing its figures next to the baseline
 * measured in the same run. Not part of `npm test`. Firefox's WebRTC needs the
 * veth pair, which the others must not have (a default route gives Chromium
 * without media permission a direct path, and the relay benchmark would no
 * longer measure the relay): each group runs in its own namespace.
 */
import { spawnSync } from 'node:child_process'
import { relayBench } from './relay.js'
import { speedBench } from './speed.js'
import { loadBench } from './load.js'
import { cliBench } from './cli.js'
import { ingestBench } from './ingest.js'
import { firefoxBench } from './firefox.js'
import { profileBench } from './profile.js'
import { streamBench } from './stream.js'
import { ensureFfmpeg } from './stream-video.js'
import { channelBench } from './channel.js'
import { abBench } from './ab.js'
import { swarmBench } from './swarm.js'
import { mirrorBench } from './mirror.js'
import { pieceCostsBench } from './piece-costs.js'

const BENCHES: Record<string, (quick: boolean) => Promise<void>> = {
  speed: speedBench,
  relay: relayBench,
  load: loadBench,
  cli: cliBench,
  ingest: ingestBench,
  firefox: firefoxBench,
  profile: profileBench,
  stream: streamBench,
  channel: channelBench,
  ab: abBench,
  swarm: swarmBench,
  mirror: mirrorBench,
  'piece-costs': pieceCostsBench,
}
const VETH_BENCHES = new Set(['firefox'])

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const flags = args.filter((a) => a.startsWith('--'))
const given = args.filter((a) => !a.startsWith('--'))
/** `ab` compares with another build, so it runs only when named. */
const names = given.length > 0 ? given : Object.keys(BENCHES).filter((n) => n !== 'ab')
for (const name of names) {
  if (!BENCHES[name]) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`)
    process.exit(2)
  }
}

if (process.env.SWARMDROP_IN_NETNS !== '1') {
  // Inside the namespace apt-get cannot reach Debian's mirrors.
  if (names.includes('stream')) ensureFfmpeg()
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`
  let failed = 0
  for (const veth of [false, true]) {
    const group = names.filter((n) => VETH_BENCHES.has(n) === veth)
    if (group.length === 0) continue
    const command = [process.execPath, '--import', 'tsx', 'bench/run.ts', ...group, ...flags].map(quote).join(' ')
    const netns = ['scripts/netns.mjs', ...(veth ? ['--veth'] : []), command]
    if (spawnSync(process.execPath, netns, { stdio: 'inherit' }).status !== 0) failed++
  }
  process.exit(failed > 0 ? 1 : 0)
}
for (const name of names) await BENCHES[name](quick)
