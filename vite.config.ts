import { defineConfig } from 'vitest/config'
import { type Plugin, type ResolvedConfig, build } from 'vite'
import react from '@vitejs/plugin-react'
import { playwright } from '@vitest/browser-playwright'
import { chromiumLaunchOptions } from './e2e/chromium.js'

/**
 * The download service worker, built on its own into one classic script at
 * /sw.js (its scope is the whole app). Firefox (140 ESR) runs no module
 * service worker: a worker with an `import` throws on evaluation there, so it
 * must share no chunk with the page.
 */
function downloadWorker(): Plugin {
  let app: ResolvedConfig
  return {
    name: 'swarmdrop-download-worker',
    apply: 'build',
    configResolved(config) {
      app = config
    },
    async closeBundle() {
      // Beside the app's build, with its choices (`--outDir`, `--minify false`, source maps).
      await build({
        configFile: false,
        root: app.root,
        mode: app.mode,
        publicDir: false,
        logLevel: 'warn',
        build: {
          outDir: app.build.outDir,
          emptyOutDir: false,
          sourcemap: app.build.sourcemap,
          minify: app.build.minify,
          lib: { entry: 'web/sw/download-worker.ts', formats: ['iife'], name: 'swarmdropDownloadWorker', fileName: () => 'sw.js' },
        },
      })
    },
  }
}

export default defineConfig({
  plugins: [react(), downloadWorker()],
  publicDir: 'public',
  build: {
    outDir: 'dist',
    sourcemap: true,
    // The server's CSP forbids inline scripts; keep Vite from inlining its module preload polyfill.
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev`: the page's /ws goes to a server started with `npm start` on 8080.
    proxy: { '/ws': { target: 'ws://127.0.0.1:8080', ws: true } },
  },
  test: {
    setupFiles: ['vitest.setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{format,web,signal-server,protocol,cli,bench}/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', 'node_modules/**'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['web/**/*.browser.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: chromiumLaunchOptions() }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
})
