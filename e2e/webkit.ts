/**
 * Debian's WebKitGTK as a Swarmdrop peer, driven over W3C WebDriver by plain
 * fetch calls to WebKitWebDriver, on a private Xvfb display (docs/testing.md).
 * The browser is webkit-browser.py, which keeps IndexedDB and OPFS in a
 * profile directory. Debian's WebKitGTK is built without WebRTC, so this
 * engine always goes through the server relay.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type EnginePage, READ_SCRIPT, waitFor } from './engine-page.js'
import { killTree } from './process-tree.js'

export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver'
const XVFB_PATH = '/usr/bin/Xvfb'
/** Debian's Python, which has PyGObject (python3-gi); a python3 earlier in PATH may not. */
const PYTHON_PATH = '/usr/bin/python3'
const BROWSER_SHIM = fileURLToPath(new URL('./webkit-browser.py', import.meta.url))
/** What Swarmdrop uses beyond the defaults: storage estimates and OPFS. An unknown name makes POST /session hang. */
const FEATURES = '+StorageAPI,+StorageAPIEstimate,+FileSystem,+FileSystemWritableStream,+AccessHandle'

/** Every WebDriver call fails after this, rather than hanging the test. */
const CALL_TIMEOUT_MS = 30_000
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'

/** Says what is missing, with the Debian package that has it. */
function checkInstalled(): void {
  const missing = [
    [WEBKIT_DRIVER_PATH, 'webkit2gtk-driver'],
    [XVFB_PATH, 'xvfb'],
    [PYTHON_PATH, 'python3'],
  ].filter(([path]) => !existsSync(path))
  try {
    execFileSync(PYTHON_PATH, ['-c', "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('WebKit2', '4.1')"], {
      stdio: 'ignore',
    })
  } catch {
    missing.push(['PyGObject with WebKit2 4.1', 'python3-gi gir1.2-webkit2-4.1'])
  }
  if (missing.length > 0) {
    throw new Error(
      `WebKitGTK tests need ${missing.map(([what, pkg]) => `${what} (${pkg})`).join(', ')}: run \`npm test\`, which installs them`,
    )
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** A private X display; Xvfb picks a free number and writes it to fd 3. */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  })
  const display = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Xvfb did not start within 10 s')), 10_000)
    xvfb.stdio[3]!.once('data', (d: Buffer) => {
      clearTimeout(timer)
      resolve(`:${d.toString().trim()}`)
    })
    xvfb.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Xvfb exited with ${code}`))
    })
  })
  return { display, process: xvfb }
}

export async function launchWebKit(options: { dir: string }): Promise<EnginePage> {
  checkInstalled()
  const home = join(options.dir, 'webkit-home')
  const downloads = join(home, 'downloads')
  mkdirSync(join(home, '.config'), { recursive: true })
  mkdirSync(downloads, { recursive: true })
  // WebKitGTK saves downloads in the XDG download directory.
  writeFileSync(join(home, '.config', 'user-dirs.dirs'), 'XDG_DOWNLOAD_DIR="$HOME/downloads"\n')
  const xvfb = await startXvfb()
  const port = await freePort()
  const driver = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=local'], {
    env: { ...process.env, DISPLAY: xvfb.display, HOME: home },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const stop = () => {
    if (driver.pid) killTree(driver.pid)
    xvfb.process.kill('SIGKILL')
  }
  try {
    const webDriver = webDriverClient(`http://127.0.0.1:${port}`)
    await waitFor('WebKitWebDriver to listen', () => webDriver('GET', '/status', undefined, 1_000).then(() => true), 10_000)
    const session = (await webDriver('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          'webkitgtk:browserOptions': {
            binary: PYTHON_PATH,
            args: [BROWSER_SHIM, `--profile=${join(home, 'profile')}`, `--features=${FEATURES}`, '--automation'],
          },
        },
      },
    })) as { sessionId: string }
    return webKitPage((method, path, body) => webDriver(method, `/session/${session.sessionId}${path}`, body), downloads, stop)
  } catch (err) {
    stop()
    throw err
  }
}

type WebDriverCall = (method: string, path: string, body?: unknown, timeoutMs?: number) => Promise<unknown>

function webDriverClient(base: string): WebDriverCall {
  return async (method, path, body, timeoutMs = CALL_TIMEOUT_MS) => {
    const response = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const { value } = (await response.json()) as { value: unknown }
    if (!response.ok) {
      const { error, message } = value as { error?: string; message?: string }
      throw new Error(`WebDriver ${method} ${path}: ${error ?? response.status}: ${message ?? ''}`)
    }
    return value
  }
}

function webKitPage(call: WebDriverCall, downloads: string, stop: () => void): EnginePage {
  const label = 'WebKitGTK'
  return {
    label,
    async goto(url) {
      await call('POST', '/url', { url })
    },
    read: async (testId, what) => (await call('POST', '/execute/sync', { script: READ_SCRIPT, args: [[testId, what]] })) as string | null,
    async setInputFiles(testId, paths) {
      const found = (await call('POST', '/element', { using: 'css selector', value: `[data-testid="${testId}"]` })) as Record<
        string,
        string
      >
      await call('POST', `/element/${found[ELEMENT]}/value`, { text: paths.join('\n') })
    },
    download: (name, size, timeoutMs) =>
      waitFor(
        `${label} to save ${name}`,
        async () => {
          const path = join(downloads, name)
          return readdirSync(downloads).includes(name) && statSync(path).size === size ? path : undefined
        },
        timeoutMs,
      ),
    async close() {
      await call('DELETE', '', undefined, 10_000).catch(() => {})
      stop()
    },
  }
}
