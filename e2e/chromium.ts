/**
 * How every test launches Debian's Chromium (docs/testing.md, "Network namespaces"):
 * no downloads, no background networking, loopback ICE candidates allowed.
 * Media permission is granted per context (playwright.config.ts), without
 * which Chromium gathers no loopback candidate.
 */
import type { Page } from '@playwright/test'
import { statSync } from 'node:fs'
import { type EnginePage, readElement, waitFor } from './engine-page.js'

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

/** A Playwright page as an EnginePage, for specs that run the same path in several engines. */
export function chromiumPage(page: Page): EnginePage {
  const downloads = new Map<string, Promise<string | null>>()
  page.on('download', (d) => downloads.set(d.suggestedFilename(), d.path()))
  return {
    label: 'Chromium',
    async goto(url) {
      await page.goto(url)
    },
    read: (testId, what) => page.evaluate(readElement, [testId, what] as const),
    setInputFiles: (testId, paths) => page.getByTestId(testId).setInputFiles(paths),
    async download(name, size, timeoutMs) {
      const saved = await waitFor(`Chromium to start saving ${name}`, async () => downloads.get(name), timeoutMs)
      const path = await saved
      if (!path || statSync(path).size !== size) throw new Error(`Chromium's download of ${name} failed or has the wrong size`)
      return path
    },
    close: () => page.context().close(),
  }
}
