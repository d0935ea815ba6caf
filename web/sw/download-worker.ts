/// <reference lib="webworker" />
/**
 * The download service worker: streams a received file (or several, as a zip
 * built on the fly) from IndexedDB to the browser's download manager,
 * decrypting one piece at a time. No Blob of the
 * whole file is ever built, so a 4 GiB file costs the page no memory (and
 * works in private windows, where large Blobs cannot spill to disk).
 *
 * The page posts { type: 'save', id, cid, secret, file } and then navigates to
 * /__save/<id>; this worker answers that request with the file's bytes. The
 * request never reaches the network, and the id is random and single-use.
 */
import { digestOfCid } from '../../format/cid.js'
import { decodeManifest } from '../../format/manifest.js'
import { SAVE_PATH, type SaveRequest } from '../../format/save-protocol.js'
import { deriveKeys } from '../core/crypto/keys.js'
import { defaultCrypto } from '../core/crypto/provider.js'
import { readFileBytes } from '../core/chunking/assemble.js'
import { idbChunkStore, openSwarmdropDb } from '../browser/idb-store.js'
import { fromBase64Url } from '../../format/bytes.js'
import { downloadZip } from 'client-zip'

declare const self: ServiceWorkerGlobalScope

/** A save request not fetched within this time is forgotten. */
const SAVE_REQUEST_TTL_MS = 60_000

const pending = new Map<string, SaveRequest>()

self.addEventListener('install', () => void self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('message', (event) => {
  const request = event.data as SaveRequest
  if (request?.type !== 'save' || typeof request.id !== 'string') return
  pending.set(request.id, request)
  setTimeout(() => pending.delete(request.id), SAVE_REQUEST_TTL_MS)
  event.ports[0]?.postMessage('ready')
})

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SAVE_PATH)) return
  const request = pending.get(url.pathname.slice(SAVE_PATH.length))
  pending.delete(url.pathname.slice(SAVE_PATH.length))
  if (!request) {
    event.respondWith(new Response('This download has expired: use Save on the page again.', { status: 404 }))
    return
  }
  event.respondWith(respond(request))
})

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

async function respond({ cid, secret, files, name }: SaveRequest): Promise<Response> {
  const crypto = defaultCrypto()
  const store = idbChunkStore(await openSwarmdropDb())
  const drop = store.drop(digestOfCid(cid)) // the drop's own chunks, manifest under its CID digest
  const manifestBytes = await drop.get(digestOfCid(cid))
  if (!manifestBytes) return new Response('This drop is no longer in this browser.', { status: 404 })
  const manifest = decodeManifest(manifestBytes)
  const { pieceKey } = await deriveKeys(crypto, fromBase64Url(secret))
  const ctx = { crypto, store: drop, manifest, pieceKey }
  if (files.length !== 1) {
    const entries = files.map((f) => ({ name: f.path, size: f.size, input: readFileBytes(ctx, f) }))
    const zip = downloadZip(entries, { metadata: files.map((f) => ({ name: f.path, size: f.size })) })
    return new Response(zip.body, {
      headers: {
        'Content-Type': 'application/zip',
        'Content-Length': zip.headers.get('Content-Length') ?? '',
        'Content-Disposition': contentDisposition(name),
        'Cache-Control': 'no-store',
      },
    })
  }
  const file = files[0]
  const chunks = readFileBytes(ctx, file)
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next()
        if (next.done) {
          controller.close()
          await store.close()
        } else controller.enqueue(next.value.slice())
      },
      async cancel() {
        await chunks.return(undefined)
        await store.close()
      },
    },
    { highWaterMark: 2 },
  )
  return new Response(body, {
    headers: {
      'Content-Type': file.type || 'application/octet-stream',
      'Content-Length': String(file.size),
      'Content-Disposition': contentDisposition(name),
      'Cache-Control': 'no-store',
    },
  })
}
