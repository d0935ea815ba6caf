/// <reference lib="webworker" />
/**
 * The download service worker: gives the browser's download manager a
 * streamed response for a save, a file as itself or several as a zip built
 * on the fly, and a page's media player the ranges of a file it plays
 * (media-response.ts); it reads the bytes from the page as they are taken
 * (format/worker-protocol.ts, page-reads.ts). The page answers
 * once the pieces are verified, so a save can start with the download and
 * end with its last piece; no Blob of the whole file is built, so a 4 GiB
 * file costs no memory (and works in private windows, where large Blobs
 * cannot spill to disk).
 *
 * The request for SAVE_PATH + id never reaches the network; the id is random
 * and single-use. The worker holds no key and reads no store: it only moves
 * bytes the page decrypted, so it cannot save anything the page did not give.
 */
import { MEDIA_PATH, type MediaRequest, SAVE_PATH, type SaveFile, type SaveRequest } from '../../format/worker-protocol.js'
import { downloadZip } from 'client-zip'
import { PageReads, responseStream } from './page-reads.js'
import { mediaResponse } from './media-response.js'

declare const self: ServiceWorkerGlobalScope

/** A save request not fetched within this time is forgotten. */
const SAVE_REQUEST_TTL_MS = 60_000

interface OpenSave {
  request: SaveRequest
  reads: PageReads
}

/** Saves posted and not yet fetched, by id. */
const pending = new Map<string, OpenSave>()
/** Files pages play, by id, for as long as their page is open. */
const media = new Map<string, { file: SaveFile; reads: PageReads }>()
/** Every open save's or media file's reads, by id: what a keepalive names. */
const open = new Map<string, PageReads>()

self.addEventListener('install', () => void self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('message', (event) => {
  const data = event.data as { type?: unknown; id?: unknown }
  if (data?.type === 'keepalive' && typeof data.id === 'string') {
    open.get(data.id)?.heard()
    return
  }
  const port = event.ports[0]
  const request = saveRequest(event.data) ?? mediaRequest(event.data)
  if (!request || !port || open.has(request.id)) return
  const reads = new PageReads(port, (event.source as Client | null)?.id)
  open.set(request.id, reads)
  reads.onClose = () => {
    open.delete(request.id)
    media.delete(request.id)
  }
  if (request.type === 'media') media.set(request.id, { file: request.file, reads })
  else {
    pending.set(request.id, { request, reads })
    setTimeout(() => {
      if (pending.delete(request.id)) reads.close('the download never started')
    }, SAVE_REQUEST_TTL_MS)
  }
  port.postMessage({ type: 'ready' })
})

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname.startsWith(MEDIA_PATH)) {
    const played = media.get(url.pathname.slice(MEDIA_PATH.length))
    event.respondWith(played ? mediaResponse(event.request, played.file, played.reads) : new Response('Not playing.', { status: 404 }))
    return
  }
  if (!url.pathname.startsWith(SAVE_PATH)) return
  const id = url.pathname.slice(SAVE_PATH.length)
  const save = pending.get(id)
  pending.delete(id)
  if (!save) {
    event.respondWith(new Response('This download has expired: use Save on the page again.', { status: 404 }))
    return
  }
  event.respondWith(respond(save))
})

const wellFormedFile = (f: SaveFile | undefined) =>
  Number.isSafeInteger(f?.index) &&
  Number.isSafeInteger(f!.size) &&
  f!.size >= 0 &&
  typeof f!.path === 'string' &&
  typeof f!.type === 'string'

/** The page's message, if it is a well-formed save request (only this origin's pages can post one). */
function saveRequest(data: unknown): SaveRequest | null {
  const r = data as Partial<SaveRequest> | null
  if (r?.type !== 'save' || typeof r.id !== 'string' || typeof r.name !== 'string' || !Array.isArray(r.files) || r.files.length === 0)
    return null
  return r.files.every(wellFormedFile) ? (r as SaveRequest) : null
}

/** The page's message, if it is a well-formed media request. */
function mediaRequest(data: unknown): MediaRequest | null {
  const r = data as Partial<MediaRequest> | null
  return r?.type === 'media' && typeof r.id === 'string' && wellFormedFile(r.file) ? (r as MediaRequest) : null
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

function respond({ request, reads }: OpenSave): Response {
  const { files, name } = request
  const done = (error?: string) => reads.close(error)
  const headers = { 'Content-Disposition': contentDisposition(name), 'Cache-Control': 'no-store' }
  if (files.length === 1) {
    const file = files[0]
    return new Response(responseStream(reads.read(file, 0, file.size), done), {
      headers: { ...headers, 'Content-Type': file.type || 'application/octet-stream', 'Content-Length': String(file.size) },
    })
  }
  const metadata = files.map((f) => ({ name: f.path, size: f.size }))
  const zip = downloadZip(
    files.map((f) => ({ name: f.path, size: f.size, input: reads.read(f, 0, f.size) })),
    { metadata },
  )
  return new Response(responseStream(zip.body!, done), {
    headers: { ...headers, 'Content-Type': 'application/zip', 'Content-Length': zip.headers.get('Content-Length') ?? '' },
  })
}
