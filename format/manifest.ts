/**
 * The manifest: everything needed to fetch and verify a drop, in canonical
 * binary form. Anyone can verify pieces against it; only a key holder can read
 * the file list inside it.
 *
 * Layout (big-endian):
 *
 * | offset | bytes | field                                                        |
 * |--------|-------|--------------------------------------------------------------|
 * | 0      | 3     | magic "SDM"                                                  |
 * | 3      | 1     | version (1)                                                  |
 * | 4      | 1     | flags: bit 0 expiry, bit 1 revoke hash, bit 2 mirror key     |
 * | 5      | 1     | log2(sealed piece size), 14…22; plaintext per piece = size−16 |
 * | 6      | 8     | total size in bytes (u64)                                    |
 * | 14     | 4     | length M of the encrypted metadata                           |
 * | 18     | M     | encrypted metadata (AES-GCM, metadata key)                   |
 * |        | 8     | expiry, ms since epoch (if flag bit 0)                       |
 * |        | 32    | SHA-256 of the revoke secret (if flag bit 1)                 |
 * |        | 32    | Ed25519 public key that signs mirror lists (if flag bit 2)   |
 * |        | 32×N  | piece ids, N = ceil(total / piece size)                      |
 *
 * The mirror key lets the owner publish mirrors after the link went out
 * (mirror-list.ts); its private half comes from the revoke secret, so only
 * the owner can sign. Manifests made before it simply lack the flag.
 *
 * Decoding is strict: any other length, flag or value is rejected, so one
 * manifest has exactly one byte form and its CID is unambiguous.
 */
import {
  MANIFEST_MAGIC,
  MANIFEST_VERSION,
  MAX_MANIFEST_BYTES,
  MAX_METADATA_BYTES,
  MAX_PIECE_SIZE_LOG2,
  MAX_PIECES,
  MAX_TOTAL_BYTES,
  MIN_PIECE_SIZE_LOG2,
  PIECE_OVERHEAD_BYTES,
} from './limits.js'
import { InvalidManifestError } from './errors.js'

export interface Manifest {
  readonly version: number
  readonly pieceSize: number
  readonly totalSize: number
  /** SHA-256 of each sealed piece, in order. */
  readonly pieceIds: readonly Uint8Array[]
  readonly encryptedMetadata: Uint8Array
  /** ms since epoch after which honest peers drop the content. */
  readonly expiresAt?: number
  readonly revokeHash?: Uint8Array
  /** Ed25519 public key whose signature makes a published mirror list the owner's (mirror-list.ts). */
  readonly mirrorKey?: Uint8Array
}

const FLAG_EXPIRY = 1
const FLAG_REVOKE = 2
const FLAG_MIRROR_KEY = 4
const KNOWN_FLAGS = FLAG_EXPIRY | FLAG_REVOKE | FLAG_MIRROR_KEY
const HEADER_BYTES = 18

/** Plaintext bytes a full piece holds. */
export function pieceCapacity(pieceSize: number): number {
  return pieceSize - PIECE_OVERHEAD_BYTES
}

export function pieceCountFor(totalSize: number, pieceSize: number): number {
  return Math.ceil(totalSize / pieceCapacity(pieceSize))
}

/** Plaintext length of piece `index` (the last one may be short). */
export function plainPieceLength(manifest: Pick<Manifest, 'pieceSize' | 'totalSize'>, index: number): number {
  const capacity = pieceCapacity(manifest.pieceSize)
  return Math.min(capacity, manifest.totalSize - index * capacity)
}

/** Length of sealed piece `index` as stored and sent on the wire. */
export function sealedPieceLength(manifest: Pick<Manifest, 'pieceSize' | 'totalSize'>, index: number): number {
  return plainPieceLength(manifest, index) + PIECE_OVERHEAD_BYTES
}

function checkShape(m: Manifest): void {
  const log2 = Math.log2(m.pieceSize)
  if (!Number.isInteger(log2) || log2 < MIN_PIECE_SIZE_LOG2 || log2 > MAX_PIECE_SIZE_LOG2) {
    throw new InvalidManifestError(`piece size ${m.pieceSize} is not a power of two in 16 KiB…4 MiB`)
  }
  if (!Number.isSafeInteger(m.totalSize) || m.totalSize < 0 || m.totalSize > MAX_TOTAL_BYTES) {
    throw new InvalidManifestError(`total size ${m.totalSize} is out of range`)
  }
  const count = pieceCountFor(m.totalSize, m.pieceSize)
  if (count > MAX_PIECES) throw new InvalidManifestError(`${count} pieces exceed the limit of ${MAX_PIECES}`)
  if (m.pieceIds.length !== count) throw new InvalidManifestError(`expected ${count} piece ids, got ${m.pieceIds.length}`)
  if (m.pieceIds.some((id) => id.length !== 32)) throw new InvalidManifestError('a piece id is not 32 bytes')
  if (m.encryptedMetadata.length > MAX_METADATA_BYTES) throw new InvalidManifestError('metadata is too large')
  if (m.expiresAt !== undefined && (!Number.isSafeInteger(m.expiresAt) || m.expiresAt < 0)) {
    throw new InvalidManifestError('expiry is not a valid time')
  }
  if (m.revokeHash !== undefined && m.revokeHash.length !== 32) throw new InvalidManifestError('revoke hash is not 32 bytes')
  if (m.mirrorKey !== undefined && m.mirrorKey.length !== 32) throw new InvalidManifestError('mirror key is not 32 bytes')
}

export function encodeManifest(m: Manifest): Uint8Array {
  if (m.version !== MANIFEST_VERSION) throw new InvalidManifestError(`cannot encode manifest version ${m.version}`)
  checkShape(m)
  const length =
    HEADER_BYTES +
    m.encryptedMetadata.length +
    (m.expiresAt !== undefined ? 8 : 0) +
    (m.revokeHash ? 32 : 0) +
    (m.mirrorKey ? 32 : 0) +
    m.pieceIds.length * 32
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  out.set(MANIFEST_MAGIC, 0)
  out[3] = m.version
  out[4] = (m.expiresAt !== undefined ? FLAG_EXPIRY : 0) | (m.revokeHash ? FLAG_REVOKE : 0) | (m.mirrorKey ? FLAG_MIRROR_KEY : 0)
  out[5] = Math.log2(m.pieceSize)
  view.setBigUint64(6, BigInt(m.totalSize))
  view.setUint32(14, m.encryptedMetadata.length)
  let at = HEADER_BYTES
  out.set(m.encryptedMetadata, at)
  at += m.encryptedMetadata.length
  if (m.expiresAt !== undefined) {
    view.setBigUint64(at, BigInt(m.expiresAt))
    at += 8
  }
  if (m.revokeHash) {
    out.set(m.revokeHash, at)
    at += 32
  }
  if (m.mirrorKey) {
    out.set(m.mirrorKey, at)
    at += 32
  }
  for (const id of m.pieceIds) {
    out.set(id, at)
    at += 32
  }
  return out
}

/** The fixed header's length: what manifestKeyOffsets needs. */
export const MANIFEST_HEADER_BYTES = HEADER_BYTES

/** The 32-byte fields a streamed check looks for (manifest-stream.ts). */
export type ManifestKeyField = 'revokeHash' | 'mirrorKey'

/**
 * Where the revoke hash and the mirror key sit in a manifest that starts
 * with `header` (null: it has none): for checks that stream a manifest
 * instead of decoding it.
 */
export function manifestKeyOffsets(header: Uint8Array): Record<ManifestKeyField, number | null> {
  const flags = header[4]
  const metaLength = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(14)
  const revokeAt = HEADER_BYTES + metaLength + (flags & FLAG_EXPIRY ? 8 : 0)
  const mirrorAt = revokeAt + (flags & FLAG_REVOKE ? 32 : 0)
  return { revokeHash: flags & FLAG_REVOKE ? revokeAt : null, mirrorKey: flags & FLAG_MIRROR_KEY ? mirrorAt : null }
}

export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new InvalidManifestError('manifest is larger than the format allows')
  if (bytes.length < HEADER_BYTES) throw new InvalidManifestError('manifest is truncated')
  if (bytes[0] !== MANIFEST_MAGIC[0] || bytes[1] !== MANIFEST_MAGIC[1] || bytes[2] !== MANIFEST_MAGIC[2]) {
    throw new InvalidManifestError('not a Swarmdrop manifest')
  }
  const version = bytes[3]
  if (version !== MANIFEST_VERSION) throw new InvalidManifestError(`unsupported manifest version ${version}`)
  const flags = bytes[4]
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new InvalidManifestError('unknown manifest flags')
  const log2 = bytes[5]
  if (log2 < MIN_PIECE_SIZE_LOG2 || log2 > MAX_PIECE_SIZE_LOG2) throw new InvalidManifestError('piece size out of range')
  const pieceSize = 2 ** log2
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const total = view.getBigUint64(6)
  if (total > BigInt(MAX_TOTAL_BYTES)) throw new InvalidManifestError('total size out of range')
  const totalSize = Number(total)
  const metaLength = view.getUint32(14)
  if (metaLength > MAX_METADATA_BYTES) throw new InvalidManifestError('metadata is too large')
  const count = pieceCountFor(totalSize, pieceSize)
  if (count > MAX_PIECES) throw new InvalidManifestError('too many pieces')
  const keys = (flags & FLAG_REVOKE ? 32 : 0) + (flags & FLAG_MIRROR_KEY ? 32 : 0)
  const expected = HEADER_BYTES + metaLength + (flags & FLAG_EXPIRY ? 8 : 0) + keys + count * 32
  if (bytes.length !== expected) {
    throw new InvalidManifestError(bytes.length < expected ? 'manifest is truncated' : 'manifest has trailing bytes')
  }
  let at = HEADER_BYTES
  const encryptedMetadata = bytes.slice(at, at + metaLength)
  at += metaLength
  let expiresAt: number | undefined
  if (flags & FLAG_EXPIRY) {
    const raw = view.getBigUint64(at)
    if (raw > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidManifestError('expiry out of range')
    expiresAt = Number(raw)
    at += 8
  }
  let revokeHash: Uint8Array | undefined
  if (flags & FLAG_REVOKE) {
    revokeHash = bytes.slice(at, at + 32)
    at += 32
  }
  let mirrorKey: Uint8Array | undefined
  if (flags & FLAG_MIRROR_KEY) {
    mirrorKey = bytes.slice(at, at + 32)
    at += 32
  }
  const pieceIds: Uint8Array[] = new Array(count)
  for (let i = 0; i < count; i++, at += 32) pieceIds[i] = bytes.slice(at, at + 32)
  return { version, pieceSize, totalSize, pieceIds, encryptedMetadata, expiresAt, revokeHash, mirrorKey }
}
