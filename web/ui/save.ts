/**
 * Saving a received file as a browser download, without ever holding the
 * whole file in memory, from the moment the file list is known:
 *
 * 1. With the download service worker (web/sw/download-worker.ts) in control,
 *    the file (or a zip of several) streams to the download manager as its
 *    pieces are verified, one decrypted piece at a time (worker-reads.ts): the
 *    download ends with the drop's last piece.
 * 2. Otherwise (no service worker: dev server, or a browser that refuses it)
 *    the file is collected as a Blob of per-piece Blobs, which the browser
 *    keeps in its blob storage (on disk in normal profiles), and saved once
 *    its last piece is here.
 */
import type { FileSpan } from '../core/content/metadata.js'
import { baseName } from '../core/content/metadata.js'
import type { Drop } from '../core/drop.js'
import { downloadZip } from 'client-zip'
import { startWorkerSave } from './worker-reads.js'

function clickDownload(href: string, name: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
}

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

/**
 * Saves one file as itself, or several as one zip named `zipName`, as their
 * pieces arrive. Resolves once the last byte is handed to the browser.
 */
export async function saveFiles(drop: Drop, files: FileSpan[], zipName: string): Promise<void> {
  const name = files.length === 1 ? baseName(files[0].path) : zipName
  const worker = navigator.serviceWorker?.controller
  const streaming = worker ? await startWorkerSave(worker, drop, files, name) : null
  if (streaming) return streaming.finished
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
  // A classic worker: Firefox runs no module service worker (vite.config.ts builds it so).
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {})
}
