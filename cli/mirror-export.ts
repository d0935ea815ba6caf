/**
 * `swarmdrop export`: seals files exactly as `share` does (chunking/seal.ts)
 * and writes the drop as a blind mirror's static files under a directory
 * (format/mirror-layout.ts), ready to upload to any web server. The pieces
 * are sealed into a disk store staged inside the output directory, so moving
 * them into the layout is one rename on the same file system, and an export
 * that fails leaves nothing half written in the layout.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultCrypto } from '../web/core/crypto/provider.js'
import { sealDrop, type Sealed } from '../web/core/chunking/seal.js'
import type { SourceFile } from '../web/core/chunking/source.js'
import { MIRROR_LAYOUT_DIR, mirrorManifestPath } from '../format/mirror-layout.js'
import { digestOfCid } from '../format/cid.js'
import { toHex } from '../web/core/util/bytes.js'
import { openDiskStore } from './disk-store.js'

export interface ExportOptions {
  password?: string
  expiresAt?: number
  /** Base URLs (ending in `/`) the links name as mirrors. */
  mirrors?: readonly string[]
  onProgress?: (doneBytes: number, totalBytes: number) => void
  /** Bytes per sealed piece; chosen from the total size by default. */
  pieceSize?: number
}

export async function exportDrop(files: readonly SourceFile[], outDir: string, options: ExportOptions = {}): Promise<Sealed> {
  await mkdir(join(outDir, MIRROR_LAYOUT_DIR), { recursive: true })
  const staging = await mkdtemp(join(outDir, '.swarmdrop-export-'))
  try {
    const store = await openDiskStore(staging)
    const sealed = await sealDrop(files, { crypto: defaultCrypto(), store, ...options })
    await store.close()
    const { cid, manifestBytes } = sealed.result
    const dropDir = join(outDir, MIRROR_LAYOUT_DIR, cid)
    // The same drop exported again (same files, same secret) replaces the earlier copy whole.
    await rm(dropDir, { recursive: true, force: true })
    await mkdir(dropDir)
    const chunks = join(staging, 'drops', toHex(digestOfCid(cid)))
    // The store keeps the manifest among the chunks, under the CID's digest: in the layout it has its own name.
    await rm(join(chunks, toHex(digestOfCid(cid))), { force: true })
    await rename(chunks, join(dropDir, 'pieces'))
    await writeFile(join(outDir, mirrorManifestPath(cid)), manifestBytes)
    return sealed
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}
