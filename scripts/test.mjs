#!/usr/bin/env node
/**
 * `npm test`: everything, from a fresh clone.
 *   1. Finds Chromium (CHROMIUM_PATH or /usr/bin/chromium), coturn and
 *      redis-server; as root on Debian installs the missing packages.
 *   2. Builds the app.
 *   3. Runs unit tests (vitest: Node and Chromium) and end-to-end tests
 *      (Playwright) inside a fresh network namespace that has only loopback:
 *      WebRTC between headless pages only finds a path there, and no test can
 *      send a packet anywhere but 127.0.0.1.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { runInLoopbackNamespace } from './netns.mjs'

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const isRoot = process.getuid?.() === 0

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

// What the browser and relay tests need from the system, and the Debian package that provides it.
const needs = [
  { path: chromium, pkg: 'chromium', what: 'Chromium (or set CHROMIUM_PATH to a Chromium or Chrome binary)' },
  { path: '/usr/bin/turnserver', pkg: 'coturn', what: 'coturn, a TURN server, for the NAT traversal tests' },
  { path: '/usr/bin/redis-server', pkg: 'redis-server', what: 'redis-server, for the scale-out tests' },
]
const missing = needs.filter((n) => !existsSync(n.path))
if (missing.length > 0) {
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`Installing ${missing.map((m) => m.pkg).join(', ')} from Debian's packages…`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    run('apt-get', ['update', '-qq'], { env })
    run('apt-get', ['install', '-y', '-qq', ...missing.map((m) => m.pkg)], { env })
  } else {
    console.error(`Missing: ${missing.map((m) => m.what).join('; ')}.
Install them (Debian/Ubuntu: sudo apt-get install ${missing.map((m) => m.pkg).join(' ')}) and run npm test again.`)
    process.exit(1)
  }
}

run('npx', ['vite', 'build', '--logLevel', 'warn'])

process.exit(runInLoopbackNamespace('npx vitest run && npx playwright test'))
