/**
 * The seam between the swarm and wherever piece bytes live. Content-addressed:
 * a chunk's key is the SHA-256 of its bytes (a piece id, or a manifest's CID
 * digest), so a store never needs to know what a chunk is.
 *
 * Stores do not verify: callers put only bytes they have already hashed.
 */
export interface ChunkStore {
  put(id: Uint8Array, bytes: Uint8Array): Promise<void>
  /** Several chunks at once: one IndexedDB transaction instead of one each, several times faster. */
  putMany(entries: readonly (readonly [id: Uint8Array, bytes: Uint8Array])[]): Promise<void>
  /** Resolves undefined when the chunk is not held. */
  get(id: Uint8Array): Promise<Uint8Array | undefined>
  has(id: Uint8Array): Promise<boolean>
  /** has() for many ids in one go (one IndexedDB transaction): what resuming a drop checks. */
  hasMany(ids: readonly Uint8Array[]): Promise<boolean[]>
  /** Deleting a chunk that is not held is not an error. */
  delete(id: Uint8Array): Promise<void>
  close(): Promise<void>
}
