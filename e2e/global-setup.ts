import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { CHROMIUM_PATH } from './chromium.js'

/** The e2e suite serves the built app; build it if `npm test` has not. */
export default function globalSetup(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run \`npm test\` (installs Debian's chromium) or set CHROMIUM_PATH`)
  }
  if (!existsSync('dist/index.html')) execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' })
}
