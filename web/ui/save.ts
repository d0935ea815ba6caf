/**
 * Saving a received file as a browser download, without ever holding the
 * whole file in memory:
 *
 * 1. With the download service worker (web/sw/download-worker.ts) in control,
 *    the file (or a zip of several) streams from IndexedDB through the worker
 *    to the download manager, one decrypted piece at a time.
 * 2. Otherwise (no service worker: dev server, or a browser that refuses it)
 *    the file is assembled as a Blob of per-piece Blobs, which the browser
 *    keeps in its blob storage (on disk in normal profiles).
 */
import type { FileSpan } from '../core/content/metadata.js'
import { baseName } from '../core/content/metadata.js'
import type { Drop } from '../core/drop.js'
import { randomBytes } from '../core/util/bytes.js'
import { toBase64Url } from '../../format/bytes.js'
import { SAVE_PATH, type SaveRequest } from '../../format/save-protocol.js'
import { downloadZip } from 'client-zip'

function clickDownload(href: string, name: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
}

async function saveThroughWorker(worker: ServiceWorker, drop: Drop, secret: Uint8Array, files: FileSpan[], name: string): Promise<void> {
  const id = toBase64Url(randomBytes(16))
  const request: SaveRequest = { type: 'save', id, cid: drop.cid, secret: toBase64Url(secret), files, name }
  const channel = new MessageChannel()
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the download worker did not answer')), 5_000)
    channel.port1.onmessage = () => {
      clearTimeout(timer)
      resolve()
    }
  })
  worker.postMessage(request, [channel.port2])
  await ready
  // A hidden iframe per file: each download is its own navigation, so saving several files at once
  // does not cancel the one before (a click on a link would reuse the page's navigation).
  const frame = document.createElement('iframe')
  frame.hidden = true
  frame.src = SAVE_PATH + id
  document.body.append(frame)
  setTimeout(() => frame.remove(), SAVE_FRAME_LIFETIME_MS)
}

/** The download has long started (it continues without the frame) when the frame is removed. */
const SAVE_FRAME_LIFETIME_MS = 120_000

async function saveAsBlob(drop: Drop, files: FileSpan[], name: string): Promise<void> {
  let blob: Blob
  if (files.length === 1) {
    const parts: Blob[] = []
    for await (const chunk of drop.readFile(files[0])) parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]))
    blob = new Blob(parts, { type: files[0].type || 'application/octet-stream' })
  } else {
    // Without the worker the zip is collected into a Blob; the browser keeps large Blobs on disk in normal profiles.
    blob = await downloadZip(files.map((f) => ({ name: f.path, size: f.size, input: drop.readFile(f) }))).blob()
  }
  const url = URL.createObjectURL(blob)
  clickDownload(url, name)
  // The download has taken its reference by now; keep the URL a while for slow starts.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Saves one file as itself, or several as one zip named `zipName`. */
export async function saveFiles(drop: Drop, secret: Uint8Array, files: FileSpan[], zipName: string): Promise<void> {
  const name = files.length === 1 ? baseName(files[0].path) : zipName
  const worker = navigator.serviceWorker?.controller
  if (worker) {
    try {
      return await saveThroughWorker(worker, drop, secret, files, name)
    } catch {
      // fall through to the Blob path
    }
  }
  await saveAsBlob(drop, files, name)
}

/** A zip's name: the folder the files share, or a generic one. */
export function zipNameFor(files: readonly FileSpan[]): string {
  const tops = new Set(files.map((f) => (f.path.includes('/') ? f.path.slice(0, f.path.indexOf('/')) : '')))
  const [top] = tops
  return tops.size === 1 && top ? `${top}.zip` : 'swarmdrop-files.zip'
}

/** Registers the download worker; the app works without it (Blob saves). */
export function registerDownloadWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch(() => {})
}
