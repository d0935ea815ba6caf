import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './e2e/chromium.js'

// Run through `npm test` (scripts/test.mjs), which builds the app and enters a
// loopback-only network namespace: WebRTC between pages needs it here.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  // WebRTC between pages is CPU-bound; on 2 cores, one test at a time gives steadier timings.
  workers: 1,
  // A test that passes only on retry is a bug found: never retry.
  retries: 0,
  reporter: [['list']],
  projects: [
    { name: 'loopback', testIgnore: '*.veth.spec.ts' },
    // Firefox's WebRTC needs a non-loopback interface: `node scripts/netns.mjs --veth` (docs/testing.md).
    { name: 'veth', testMatch: '*.veth.spec.ts' },
  ],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(),
    // Without media permission Chromium gathers no loopback ICE candidate (ENVIRONMENT.md).
    permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'],
    acceptDownloads: true,
    trace: 'retain-on-failure',
  },
})
