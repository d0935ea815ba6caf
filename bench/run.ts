/**
 * `npm run bench [-- <name…>] [--quick]`: runs the benchmarks (all by default)
 * inside the loopback-only namespace, each printing its figures next to the
 * baseline measured in the same run. Not part of `npm test`.
 */
import { relayBench } from './relay.js'
import { speedBench } from './speed.js'
import { loadBench } from './load.js'
import { cliBench } from './cli.js'
import { ingestBench } from './ingest.js'

const BENCHES: Record<string, (quick: boolean) => Promise<void>> = {
  speed: speedBench,
  relay: relayBench,
  load: loadBench,
  cli: cliBench,
  ingest: ingestBench,
}

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const names = args.filter((a) => !a.startsWith('--'))
for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
  const bench = BENCHES[name]
  if (!bench) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`)
    process.exit(2)
  }
  await bench(quick)
}
