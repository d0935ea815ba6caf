/**
 * What this browser holds: one record per drop, so the app can re-announce
 * and serve every drop whenever it is open, and list them for the user.
 * Piece bytes live in the ChunkStore; this is only the index.
 */
import type { Cid } from '../../../format/cid.js'

export interface DropRecord {
  readonly cid: Cid
  /** 'pinned': held blind for others (a pin node), without the secret. */
  readonly role: 'shared' | 'downloaded' | 'pinned'
  /** The link secret (base64url), kept so names can be shown and files saved later; null when held blind. */
  readonly secret: string | null
  /** A short name for lists: the file name, or "N files", once the file list is known. */
  readonly name: string | null
  readonly totalBytes: number | null
  readonly addedAt: number
  /** false once the user stopped seeding; the pieces stay until removed. */
  readonly seeding: boolean
  /** The revoke secret (base64url), held by the owner: "stop sharing everywhere". */
  readonly revokeSecret?: string
  /** Pinned drops: how many pin nodes should hold it. */
  readonly replicas?: number
}

export interface LibraryStore {
  list(): Promise<DropRecord[]>
  get(cid: Cid): Promise<DropRecord | undefined>
  put(record: DropRecord): Promise<void>
  delete(cid: Cid): Promise<void>
}

export function memoryLibrary(): LibraryStore {
  const records = new Map<string, DropRecord>()
  return {
    async list() {
      return [...records.values()].sort((a, b) => b.addedAt - a.addedAt)
    },
    async get(cid) {
      return records.get(cid)
    },
    async put(record) {
      records.set(record.cid, { ...record })
    },
    async delete(cid) {
      records.delete(cid)
    },
  }
}
