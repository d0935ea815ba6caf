/**
 * Debian's Firefox ESR as a Swarmdrop peer, driven by puppeteer-core over
 * WebDriver BiDi (docs/testing.md). Firefox never offers a loopback ICE
 * candidate: its WebRTC needs the veth pair of `scripts/netns.mjs --veth`.
 * Every pref that would make it contact anything is off; `webRtc: false`
 * turns WebRTC off as privacy-hardened profiles and Tor Browser do.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { type EnginePage, type Readable, readElement, waitFor } from './engine-page.js'
import { killTree } from './process-tree.js'

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'

/** Every call to the browser fails after this, rather than hanging the test. */
const CALL_TIMEOUT_MS = 30_000

/** Prefs that keep Firefox from contacting anything but the page's own origin. */
const QUIET_PREFS = {
  // Telemetry, health reports, studies
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': '',
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  // Updates of the browser, add-ons, plugins (OpenH264 is fetched for WebRTC otherwise)
  'app.update.auto': false,
  'app.update.disabledForTesting': true,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.blocklist.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  // Remote settings: the server pref is honoured only with MOZ_REMOTE_SETTINGS_DEVTOOLS=1 (set at launch)
  'services.settings.server': 'http://127.0.0.1:1/remote-settings-off',
  // Safe browsing lists
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  // Captive-portal and connectivity checks
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  // DNS over HTTPS off
  'network.trr.mode': 5,
  // Prefetch and speculative connections
  'network.prefetch-next': false,
  'network.dns.disablePrefetch': true,
  'network.predictor.enabled': false,
  'network.http.speculative-parallel-limit': 0,
  'browser.urlbar.speculativeConnect.enabled': false,
  // Region and location lookups
  'browser.region.update.enabled': false,
  'browser.region.network.url': '',
  'geo.provider.network.url': '',
}

/** WebRTC on the test namespace: host candidates unobfuscated (no mDNS), loopback allowed, no permission prompt. */
const WEBRTC_PREFS = {
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.navigator.permission.disabled': true,
}

function downloadPrefs(dir: string) {
  return {
    'browser.download.dir': dir,
    'browser.download.folderList': 2,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
    'browser.helperApps.neverAsk.saveToDisk': 'application/octet-stream,application/zip',
    'browser.download.alwaysOpenPanel': false,
  }
}

export interface FirefoxOptions {
  /** Where the browser saves downloads (and keeps its profile). */
  dir: string
  /** false: `media.peerconnection.enabled` off, so the page has no RTCPeerConnection. */
  webRtc: boolean
}

/** The user's path, plus the puppeteer page for what a benchmark runs in it. */
export interface FirefoxPage extends EnginePage {
  readonly page: Page
}

export async function launchFirefox(options: FirefoxOptions): Promise<FirefoxPage> {
  if (!existsSync(FIREFOX_PATH)) {
    throw new Error(`Firefox not found at ${FIREFOX_PATH}: run \`npm test\` (installs Debian's firefox-esr) or set FIREFOX_PATH`)
  }
  if (options.webRtc && process.env.SWARMDROP_NETNS_VETH !== '1') {
    throw new Error("Firefox's WebRTC needs the veth pair: run `node scripts/netns.mjs --veth 'npx playwright test --project=veth'`")
  }
  const downloads = join(options.dir, 'downloads')
  const profile = join(options.dir, 'profile')
  mkdirSync(downloads, { recursive: true })
  mkdirSync(profile, { recursive: true })
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    userDataDir: profile,
    timeout: CALL_TIMEOUT_MS,
    protocolTimeout: CALL_TIMEOUT_MS,
    env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
    extraPrefsFirefox: {
      ...QUIET_PREFS,
      ...WEBRTC_PREFS,
      ...downloadPrefs(downloads),
      'media.peerconnection.enabled': options.webRtc,
    },
  })
  const pid = browser.process()?.pid
  try {
    const page = (await browser.pages())[0] ?? (await browser.newPage())
    page.setDefaultTimeout(CALL_TIMEOUT_MS)
    page.on('pageerror', (err) => console.error(`[firefox page error] ${err instanceof Error ? err.message : err}`))
    return firefoxPage(browser, page, downloads, options.webRtc ? 'Firefox' : 'Firefox without WebRTC', pid)
  } catch (err) {
    if (pid) killTree(pid)
    throw err
  }
}

function firefoxPage(browser: Browser, page: Page, downloads: string, label: string, pid: number | undefined): FirefoxPage {
  return {
    label,
    page,
    async goto(url) {
      await page.goto(url, { waitUntil: 'load' })
    },
    read: (testId: string, what: Readable) => page.evaluate(readElement, [testId, what] as const),
    async setInputFiles(testId, paths) {
      const input = await page.$(`[data-testid="${testId}"]`)
      if (!input) throw new Error(`${label}: no [data-testid=${testId}]`)
      await (input as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(...paths)
    },
    // Firefox writes NAME.part until the download is complete.
    download: (name, size, timeoutMs) =>
      waitFor(
        `${label} to save ${name}`,
        async () => {
          const files = readdirSync(downloads)
          const path = join(downloads, name)
          return files.includes(name) && !files.includes(`${name}.part`) && statSync(path).size === size ? path : undefined
        },
        timeoutMs,
      ),
    // The profile is thrown away: killing is as good as a graceful close, and seconds faster.
    async close() {
      if (pid) killTree(pid)
      await browser.disconnect().catch(() => {})
    },
  }
}
