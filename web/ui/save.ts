/**
 * Saving a received file as a browser download. The file is assembled from
 * stored pieces one at a time into a Blob of Blobs: each decrypted piece is
 * handed to the browser's blob storage (which pages to disk) and dropped from
 * the JS heap, so a large file never sits whole in memory.
 */
import type { FileSpan } from '../core/content/metadata.ts'
import { baseName } from '../core/content/metadata.ts'
import type { Transfer } from '../core/transfer.ts'

export async function saveFile(transfer: Transfer, file: FileSpan): Promise<void> {
  const parts: Blob[] = []
  for await (const chunk of transfer.readFile(file)) parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]))
  const blob = new Blob(parts, { type: file.type || 'application/octet-stream' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = baseName(file.path)
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  // The download has taken its reference by now; keep the URL a while for slow starts.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
