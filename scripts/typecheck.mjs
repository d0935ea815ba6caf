#!/usr/bin/env node
/**
 * `npm run typecheck`: every part against its own platform. A part's
 * tsconfig.json says what it may assume: format/ nothing, web/core and the
 * Node parts no DOM, the page and its browser tests the DOM. One program per
 * part, so a DOM type used in core fails here even though the page's program
 * (which includes core through its imports) would accept it.
 */
import { spawnSync } from 'node:child_process'

const PARTS = [
  'format/tsconfig.json',
  'format/tsconfig.test.json',
  'web/core/tsconfig.json',
  'signal-server/tsconfig.json',
  'cli/tsconfig.json',
  'web/tsconfig.json',
  'tsconfig.json',
]

let failed = 0
for (const project of PARTS) {
  const started = performance.now()
  const result = spawnSync('npx', ['tsc', '-p', project], { stdio: 'inherit' })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`typecheck ${project}: ${result.status === 0 ? 'ok' : 'FAILED'} (${seconds} s)`)
  if (result.status !== 0) failed++
}
process.exit(failed > 0 ? 1 : 0)
