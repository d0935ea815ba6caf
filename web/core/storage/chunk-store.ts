/**
 * The seam between the swarm and wherever piece bytes live.
 *
 * Chunks belong to drops. Within a drop a chunk's key is the SHA-256 of its
 * bytes (a piece id, or the drop's own CID digest for its manifest), so a
 * store never needs to know what a chunk is. Across drops nothing is shared:
 * `drop(X)` sees only what was put through `drop(X)`, and deleting X deletes
 * nothing another drop holds, even when both list the same chunk id. So a
 * crafted manifest that lists another drop's piece ids neither "has" those
 * pieces (its HELLO and HAVEs tell a peer nothing of other drops) nor deletes
 * them when it is removed, revoked or expires.
 *
 * A drop's id is its CID digest, except while a drop is being cut: ingest
 * stores under a fresh random id and moves the chunks to the CID's once the
 * manifest (and so the CID) exists.
 *
 * Stores do not verify: callers put only bytes they have already hashed.
 */
export interface DropChunks {
  put(id: Uint8Array, bytes: Uint8Array): Promise<void>
  /** Several chunks at once: one IndexedDB transaction instead of one each, several times faster. */
  putMany(entries: readonly (readonly [id: Uint8Array, bytes: Uint8Array])[]): Promise<void>
  /** Resolves undefined when this drop does not hold the chunk. */
  get(id: Uint8Array): Promise<Uint8Array | undefined>
  has(id: Uint8Array): Promise<boolean>
  /** has() for many ids in one go (one IndexedDB transaction): what resuming a drop checks. */
  hasMany(ids: readonly Uint8Array[]): Promise<boolean[]>
}

export interface ChunkStore {
  /** One drop's chunks. `dropId` is 32 bytes: the drop's CID digest. */
  drop(dropId: Uint8Array): DropChunks
  /** Deletes what the drop holds; a chunk another drop holds too stays for that one. Deleting an unknown drop is a no-op. */
  deleteDrop(dropId: Uint8Array): Promise<void>
  /** Gives everything `from` holds to `to` (merged with what `to` holds), leaving `from` empty. */
  moveDrop(from: Uint8Array, to: Uint8Array): Promise<void>
  close(): Promise<void>
}
