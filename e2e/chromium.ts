/**
 * How every test launches Debian's Chromium (see ../shared/ENVIRONMENT.md):
 * no downloads, no background networking, loopback ICE candidates allowed.
 * Media permission is granted per context (playwright.config.ts), without
 * which Chromium gathers no loopback candidate.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function chromiumLaunchOptions() {
  return {
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--allow-loopback-in-peer-connection',
      '--use-fake-ui-for-media-stream',
    ],
  }
}
