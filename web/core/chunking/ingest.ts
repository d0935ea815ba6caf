/**
 * Ingest: files → sealed pieces in the store → manifest → CID.
 *
 * The drop is the concatenation of its files, cut into equal pieces of
 * pieceSize − 16 plaintext bytes (the last may be short), so many small files
 * do not each cost a piece. The files are read in slices of several MiB
 * (the next slice read while this one is cut); the pieces of a slice are
 * sealed and hashed several at once and reach the batch writer in piece
 * order, which stores them a few MiB per IndexedDB transaction while the next
 * pieces seal. Memory is bounded whatever the drop's size: at most three
 * slices (the one read ahead, the one being cut, the one its oldest sealing
 * pieces still point into), 8 MiB of pieces sealing and the writer's two
 * 4 MiB batches, about 40 MiB. The CID is known only at the end, so pieces
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
  /** The owner's mirror-list key (crypto/mirror-key.ts). */
  mirrorKey?: Uint8Array
  /** Pieces sealed and hashed at once; by default as many as fit in 8 MiB (at least 2). */
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

/**
 * Plaintext read at once (rounded down to whole pieces, at least one): one
 * Blob.slice().arrayBuffer() per slice instead of per piece, whose fixed
 * cost (a blob registered and read through the browser process) dominated.
 */
const SLICE_BYTES = 8 * 1024 * 1024
/** Pieces sealing, hashing or waiting for the writer: about this many bytes, at least two pieces. */
const IN_FLIGHT_BYTES = 8 * 1024 * 1024

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

  // Reads whole pieces a slice at a time: one read per few MiB, not per piece.
  const piecesPerSlice = Math.max(1, Math.floor(SLICE_BYTES / capacity))
  const readSlice = (first: number) => readSpan(files, offsets, first * capacity, Math.min((first + piecesPerSlice) * capacity, totalSize))
  const maxInFlight = options.concurrency ?? Math.max(2, Math.floor(IN_FLIGHT_BYTES / pieceSize))
  const sealAndName = async (index: number, plain: Uint8Array) => {
    const plainBytes = plain.length
    const sealed = await sealPiece(crypto, keys.pieceKey, index, plain)
    return { index, sealed, id: await crypto.sha256(sealed), plainBytes }
  }
  type Named = Awaited<ReturnType<typeof sealAndName>>
  // Pieces sealing and hashing, oldest first: they reach the writer in piece order.
  const inFlight: Promise<Named>[] = []
  const storeOldest = async () => {
    const { index, sealed, id, plainBytes } = await inFlight.shift()!
    pieceIds[index] = id
    await writer.add(id, sealed)
    doneBytes += plainBytes
    options.onProgress?.(doneBytes, totalSize)
  }

  let nextSlice: Promise<Uint8Array> | undefined
  try {
    nextSlice = count > 0 ? readSlice(0) : undefined
    for (let first = 0; first < count; first += piecesPerSlice) {
      const slice = await nextSlice!
      // The next slice is read while this one's pieces are sealed.
      nextSlice = first + piecesPerSlice < count ? readSlice(first + piecesPerSlice) : undefined
      nextSlice?.catch(() => {}) // its error surfaces when it is awaited
      for (let at = 0, index = first; at < slice.length; at += capacity, index++) {
        throwIfAborted(signal)
        const sealing = sealAndName(index, slice.subarray(at, at + capacity))
        sealing.catch(() => {}) // awaited in order by storeOldest
        inFlight.push(sealing)
        if (inFlight.length >= maxInFlight) await storeOldest()
      }
    }
    while (inFlight.length > 0) await storeOldest()
    await writer.drain()
    throwIfAborted(signal)
  } catch (err) {
    await Promise.allSettled([...inFlight, nextSlice])
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
    mirrorKey: options.mirrorKey,
  }
  const manifestBytes = encodeManifest(manifest)
  const cid = cidFromDigest(await crypto.sha256(manifestBytes))
  await staging.put(digestOfCid(cid), manifestBytes)
  await store.moveDrop(stagingId, digestOfCid(cid))
  return { cid, secret, manifest, manifestBytes, metadata }
}
