/** A real HTTP server over an exported directory, for mirror tests: it logs each path asked and can tamper with answers. */
import { readFileSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

/** What a test host does to one request: the file's bytes, other bytes, or a status. */
export type Tamper = (path: string, bytes: Buffer) => Buffer | number

export interface DirMirror {
  base: string
  /** Every path asked, in order. */
  requests: string[]
  close(): void
}

export async function serveDir(dir: string, tamper: Tamper = (_, b) => b): Promise<DirMirror> {
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname)
    requests.push(path)
    let bytes: Buffer
    try {
      bytes = readFileSync(join(dir, path))
    } catch {
      return res.writeHead(404).end()
    }
    const answer = tamper(path, bytes)
    if (typeof answer === 'number') return res.writeHead(answer).end()
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(answer)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests, close: () => server.close() }
}
