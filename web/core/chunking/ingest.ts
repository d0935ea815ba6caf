/**
 * Ingest: files → sealed pieces in the store → manifest → CID.
 *
 * The drop is the concatenation of its files, cut into equal pieces of
 * pieceSize − 16 plaintext bytes (the last may be short), so many small files
 * do not each cost a piece. A few pieces are processed at once so reading,
 * encryption, hashing and storing overlap, and stored pieces are written in
 * batches (one IndexedDB transaction per few MiB); memory stays at a few
 * MiB whatever the drop's size. The CID is known only at the end, so pieces
 * go to a fresh staging drop in the store, moved to the CID's drop once the
 * manifest is stored; a failed or cancelled ingest deletes its staging drop.
 */
import type { CryptoProvider } from '../crypto/provider.js'
import type { ChunkStore } from '../storage/chunk-store.js'
import { type Cid, cidFromDigest, digestOfCid } from '../../../format/cid.js'
import { MANIFEST_VERSION, MAX_FILES, MAX_TOTAL_BYTES } from '../../../format/limits.js'
import { type Manifest, encodeManifest, pieceCapacity, pieceCountFor } from '../../../format/manifest.js'
import { type DropMetadata, checkPath, encodeMetadata } from '../content/metadata.js'
import { deriveKeys, newSecret } from '../crypto/keys.js'
import { sealMetadata, sealPiece } from '../crypto/envelope.js'
import { choosePieceSize } from './piece-size.js'
import { type SourceFile, readSpan } from './source.js'
import { BatchWriter } from '../storage/batch-writer.js'
import { throwIfAborted } from '../util/errors.js'
import { InvalidManifestError } from '../../../format/errors.js'
import { randomBytes } from '../util/bytes.js'

export interface IngestOptions {
  crypto: CryptoProvider
  store: ChunkStore
  /** Defaults to a fresh random secret; pass one to re-create the same drop. */
  secret?: Uint8Array
  pieceSize?: number
  expiresAt?: number
  revokeHash?: Uint8Array
  /** Pieces processed at once. */
  concurrency?: number
  onProgress?: (doneBytes: number, totalBytes: number) => void
  signal?: AbortSignal
}

export interface IngestResult {
  cid: Cid
  secret: Uint8Array
  manifest: Manifest
  manifestBytes: Uint8Array
  metadata: DropMetadata
}

/** Pieces read, sealed and hashed at once: enough to keep WebCrypto's threads and the disk busy. */
const DEFAULT_CONCURRENCY = 8

export async function ingest(files: readonly SourceFile[], options: IngestOptions): Promise<IngestResult> {
  const { crypto, store, signal } = options
  if (files.length === 0) throw new InvalidManifestError('nothing to share: no files')
  if (files.length > MAX_FILES) throw new InvalidManifestError(`at most ${MAX_FILES} files per drop`)
  files.forEach((f) => checkPath(f.path))
  const offsets: number[] = []
  let totalSize = 0
  for (const f of files) {
    offsets.push(totalSize)
    totalSize += f.size
  }
  if (totalSize > MAX_TOTAL_BYTES) throw new InvalidManifestError('the drop is larger than the format allows (256 GiB)')

  const secret = options.secret ?? newSecret()
  const keys = await deriveKeys(crypto, secret)
  const pieceSize = options.pieceSize ?? choosePieceSize(totalSize)
  const count = pieceCountFor(totalSize, pieceSize)
  const capacity = pieceCapacity(pieceSize)
  const pieceIds: Uint8Array[] = new Array(count)
  const stagingId = randomBytes(32)
  const staging = store.drop(stagingId)
  const writer = new BatchWriter(staging)
  let doneBytes = 0
  options.onProgress?.(0, totalSize)

  const processPiece = async (index: number) => {
    throwIfAborted(signal)
    const start = index * capacity
    const end = Math.min(start + capacity, totalSize)
    const plain = await readSpan(files, offsets, start, end)
    const sealed = await sealPiece(crypto, keys.pieceKey, index, plain)
    const id = await crypto.sha256(sealed)
    await writer.add(id, sealed)
    pieceIds[index] = id
    doneBytes += end - start
    options.onProgress?.(doneBytes, totalSize)
  }

  let next = 0
  let failed = false
  const worker = async () => {
    try {
      while (next < count && !failed) await processPiece(next++)
    } catch (err) {
      failed = true // the other workers stop too
      throw err
    }
  }
  const workers = await Promise.allSettled(Array.from({ length: Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, count) }, worker))
  try {
    for (const w of workers) if (w.status === 'rejected') throw w.reason
    await writer.drain()
    throwIfAborted(signal)
  } catch (err) {
    await writer.drain().catch(() => {}) // nothing may land after the staging drop is deleted
    await store.deleteDrop(stagingId)
    throw err
  }

  const metadata: DropMetadata = { files: files.map((f) => ({ path: f.path, size: f.size, type: f.type })) }
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    pieceSize,
    totalSize,
    pieceIds,
    encryptedMetadata: await sealMetadata(crypto, keys.metaKey, encodeMetadata(metadata)),
    expiresAt: options.expiresAt,
    revokeHash: options.revokeHash,
  }
  const manifestBytes = encodeManifest(manifest)
  const cid = cidFromDigest(await crypto.sha256(manifestBytes))
  await staging.put(digestOfCid(cid), manifestBytes)
  await store.moveDrop(stagingId, digestOfCid(cid))
  return { cid, secret, manifest, manifestBytes, metadata }
}
