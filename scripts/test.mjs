#!/usr/bin/env node
/**
 * `npm test`: everything, from a fresh clone.
 *   0. Checks the lint and the formatting (Biome, biome.jsonc), the import
 *      boundaries and import style (scripts/check-boundaries.mjs) and the
 *      types of every part (scripts/typecheck.mjs): all fail in seconds,
 *      before anything slow.
 *   1. Finds Chromium (CHROMIUM_PATH or /usr/bin/chromium), coturn,
 *      redis-server, Firefox ESR and WebKitGTK's WebDriver (with Xvfb and
 *      PyGObject); as root on Debian installs the missing packages.
 *   2. Builds the app.
 *   3. Runs unit tests (vitest: Node and Chromium) and end-to-end tests
 *      (Playwright) inside a fresh network namespace that has only loopback:
 *      WebRTC between headless pages only finds a path there, and no test can
 *      send a packet anywhere but 127.0.0.1. The Firefox tests run in a second
 *      namespace that also has a veth pair (docs/testing.md): Firefox offers
 *      no loopback candidate.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { runInLoopbackNamespace } from './netns.mjs'

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const isRoot = process.getuid?.() === 0

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

run('npx', ['biome', 'check', '.'])
run('node', ['scripts/check-boundaries.mjs'])
run('node', ['scripts/typecheck.mjs'])

/** The GObject typelib of WebKit2 4.1, under the architecture's lib directory. */
function hasWebKitTypelib() {
  return readdirSync('/usr/lib').some((dir) => existsSync(`/usr/lib/${dir}/girepository-1.0/WebKit2-4.1.typelib`))
}

// What the browser and relay tests need from the system, and the Debian package that provides it.
// `lean`: installed without recommended packages (a browser engine's recommends are large and unused here).
const needs = [
  { found: existsSync(chromium), pkg: 'chromium', what: 'Chromium (or set CHROMIUM_PATH to a Chromium or Chrome binary)' },
  { found: existsSync('/usr/bin/turnserver'), pkg: 'coturn', what: 'coturn, a TURN server, for the NAT traversal tests' },
  { found: existsSync('/usr/bin/redis-server'), pkg: 'redis-server', what: 'redis-server, for the scale-out tests' },
  { found: existsSync('/usr/bin/firefox-esr'), pkg: 'firefox-esr', what: 'Firefox ESR, for the Firefox tests', lean: true },
  { found: existsSync('/usr/bin/WebKitWebDriver'), pkg: 'webkit2gtk-driver', what: 'WebKitWebDriver, for the WebKit tests', lean: true },
  {
    found: existsSync('/usr/sbin/nginx'),
    pkg: 'nginx-light',
    what: 'nginx, the static web server the mirror tests serve drops from',
    lean: true,
  },
  { found: existsSync('/usr/bin/ffmpeg'), pkg: 'ffmpeg', what: 'ffmpeg, to make the videos the streaming tests play', lean: true },
  { found: existsSync('/usr/bin/Xvfb'), pkg: 'xvfb', what: 'Xvfb, the display WebKitGTK runs on', lean: true },
  { found: existsSync('/usr/lib/python3/dist-packages/gi'), pkg: 'python3-gi', what: 'PyGObject, for the WebKit test browser', lean: true },
  { found: hasWebKitTypelib(), pkg: 'gir1.2-webkit2-4.1', what: 'WebKit2 introspection data, for the WebKit test browser', lean: true },
]
const missing = needs.filter((n) => !n.found)
if (missing.length > 0) {
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`Installing ${missing.map((m) => m.pkg).join(', ')} from Debian's packages…`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    run('apt-get', ['update', '-qq'], { env })
    const full = missing.filter((m) => !m.lean).map((m) => m.pkg)
    const lean = missing.filter((m) => m.lean).map((m) => m.pkg)
    if (full.length > 0) run('apt-get', ['install', '-y', '-qq', ...full], { env })
    if (lean.length > 0) run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...lean], { env })
  } else {
    console.error(`Missing: ${missing.map((m) => m.what).join('; ')}.
Install them (Debian/Ubuntu: sudo apt-get install ${missing.map((m) => m.pkg).join(' ')}) and run npm test again.`)
    process.exit(1)
  }
}

run('npx', ['vite', 'build', '--logLevel', 'warn'])

// Both parts run even when the first fails, so one run shows every failure.
const loopback = runInLoopbackNamespace('npx vitest run && npx playwright test --project=loopback')
const veth = runInLoopbackNamespace('npx playwright test --project=veth', { veth: true })
process.exit(loopback || veth)
