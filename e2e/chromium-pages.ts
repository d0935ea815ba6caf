/**
 * Fresh Chromium pages for specs that pair Chromium with another engine: kept
 * apart from chromium.ts, which the Playwright and Vitest configs import.
 */
import type { Browser } from '@playwright/test'
import { chromiumPage } from './chromium.js'
import type { EnginePage } from './engine-page.js'
import { newPeerPage } from './fixtures.js'

/** Makes fresh Chromium pages (each in its own context), recording each in `pages` for the spec's clean-up. */
export function chromiumPages(browser: Browser, pages: EnginePage[]): () => Promise<EnginePage> {
  return async () => {
    const page = chromiumPage((await newPeerPage(browser)).page)
    pages.push(page)
    return page
  }
}
