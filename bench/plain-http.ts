/**
 * Plain HTTP fetches of a list of URLs, the baselines of the mirror
 * benchmark: what a browser page, Node and curl pull from a web server
 * with N GETs in flight, the bodies read whole and dropped (none is kept,
 * so memory stays flat whatever the total).
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import type { Page } from '@playwright/test'

export const CURL_PATH = '/usr/bin/curl'

export interface Pulled {
  seconds: number
  bytes: number
}

/**
 * In `page` (on any origin: the server must send CORS), `concurrency` fetch
 * loops over `urls`; with `sha256`, each body is also hashed as the app
 * verifies a piece.
 */
export function browserFetch(page: Page, urls: string[], concurrency: number, sha256 = false): Promise<Pulled> {
  // No named helpers inside: tsx would wrap them in a __name() call the page does not have.
  return page.evaluate(
    async ({ urls, concurrency, sha256 }) => {
      let next = 0
      let bytes = 0
      const started = performance.now()
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < urls.length) {
            const response = await fetch(urls[next++], { credentials: 'omit' })
            if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status}`)
            const body = await response.arrayBuffer()
            if (sha256) await crypto.subtle.digest('SHA-256', body)
            bytes += body.byteLength
          }
        }),
      )
      return { seconds: (performance.now() - started) / 1000, bytes }
    },
    { urls, concurrency, sha256 },
  )
}

/** The same from Node (undici's fetch), each body streamed and dropped. */
export async function nodeFetch(urls: string[], concurrency: number): Promise<Pulled> {
  let next = 0
  let bytes = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < urls.length) {
        const response = await fetch(urls[next++])
        if (!response.ok || !response.body) throw new Error(`${response.url}: HTTP ${response.status}`)
        for await (const chunk of response.body) bytes += chunk.length
      }
    }),
  )
  return { seconds: (performance.now() - started) / 1000, bytes }
}

/** One curl process, `--parallel` with `concurrency` transfers at once, every body to /dev/null. */
export async function curlFetch(urls: string[], concurrency: number, configPath: string): Promise<Pulled> {
  writeFileSync(configPath, urls.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(''))
  const args = ['--silent', '--show-error', '--fail', '--parallel', '--parallel-max', String(concurrency)]
  const started = performance.now()
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(CURL_PATH, [...args, '--write-out', '%{size_download}\\n', '--config', configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c))
    child.stderr.on('data', (c: Buffer) => (stderr += c))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`curl exited with ${code}: ${stderr}`))))
  })
  const seconds = (performance.now() - started) / 1000
  const bytes = out
    .split('\n')
    .filter(Boolean)
    .reduce((sum, n) => sum + Number(n), 0)
  return { seconds, bytes }
}
