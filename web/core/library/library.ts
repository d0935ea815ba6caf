/**
 * The library as the engine keeps it: what goes in a drop's record and when.
 * A link's secret is written only once it has opened the content, a revoke
 * secret only if it hashes to the manifest's revoke hash, and a record is
 * rewritten (and `changed` said) only when something in it changed.
 */
import type { Cid } from '../../../format/cid.js'
import { digestOfCid } from '../../../format/cid.js'
import type { Manifest } from '../../../format/manifest.js'
import { isValidTombstone } from '../../../format/tombstone.js'
import { toBase64Url } from '../../../format/bytes.js'
import type { LinkTarget } from '../content/link.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { toHex } from '../util/bytes.js'
import { Emitter } from '../util/emitter.js'
import type { DropRecord, LibraryStore } from './library-store.js'

export interface LibraryEvents extends Record<string, unknown> {
  /** A drop was added, removed, renamed, stopped or resumed. */
  changed: undefined
}

export class Library {
  readonly events = new Emitter<LibraryEvents>()
  readonly #store: LibraryStore
  readonly #crypto: CryptoProvider
  readonly #now: () => number

  constructor(store: LibraryStore, crypto: CryptoProvider, now: () => number) {
    this.#store = store
    this.#crypto = crypto
    this.#now = now
  }

  list(): Promise<DropRecord[]> {
    return this.#store.list()
  }

  get(cid: Cid): Promise<DropRecord | undefined> {
    return this.#store.get(cid)
  }

  /** Says `changed` for a write whose effect (a drop started or stopped) had to come first. */
  changed(): void {
    this.events.emit('changed', undefined)
  }

  /** A drop this browser made: its record with both secrets, served from now on. Call `changed` once it runs. */
  async addShared(record: Omit<DropRecord, 'role' | 'addedAt' | 'seeding'>): Promise<void> {
    await this.#store.put({ ...record, role: 'shared', addedAt: this.#now(), seeding: true })
  }

  /** Puts a drop in the library as served, keeping what is known of it. */
  async remember(cid: Cid, role: DropRecord['role'], changes: Partial<DropRecord>): Promise<DropRecord> {
    const record = await this.#store.get(cid)
    const next: DropRecord = {
      cid,
      role: record?.role ?? role,
      secret: record?.secret ?? null,
      name: record?.name ?? null,
      totalBytes: record?.totalBytes ?? null,
      addedAt: record?.addedAt ?? this.#now(),
      revokeSecret: record?.revokeSecret,
      replicas: record?.replicas,
      ...changes,
      seeding: true,
    }
    const changed = !record || (Object.keys(next) as (keyof DropRecord)[]).some((k) => next[k] !== record[k])
    if (changed) {
      await this.#store.put(next)
      this.events.emit('changed', undefined)
    }
    return next
  }

  /** A link's secret opened the manifest: it goes in the library, and its revoke secret too if it is this drop's. */
  async admitted(target: LinkTarget, manifest: Manifest): Promise<void> {
    const owner = target.revokeSecret && (await isValidTombstone(this.#crypto, manifest, target.revokeSecret))
    await this.remember(target.cid, 'downloaded', {
      secret: toBase64Url(target.secret),
      ...(owner ? { revokeSecret: toBase64Url(target.revokeSecret!) } : {}),
    })
  }

  /** The file list came in: the record takes its name. */
  async rename(cid: Cid, name: string, totalBytes: number): Promise<void> {
    const record = await this.#store.get(cid)
    if (!record || record.name === name) return
    await this.#store.put({ ...record, name, totalBytes })
    this.events.emit('changed', undefined)
  }

  /** Marks a held drop served or not (undefined when it is not held). Call `changed` once it started or stopped. */
  async setSeeding(cid: Cid, seeding: boolean): Promise<DropRecord | undefined> {
    const record = await this.#store.get(cid)
    if (!record) return undefined
    const next = { ...record, seeding }
    await this.#store.put(next)
    return next
  }

  async delete(cid: Cid): Promise<void> {
    await this.#store.delete(cid)
    this.events.emit('changed', undefined)
  }

  /** Whether `manifest` lists, as a piece, the manifest of a held drop or of `cid` itself (a drop crafted against it). */
  async listsHeldManifest(cid: Cid, manifest: Manifest): Promise<boolean> {
    const manifests = new Set([cid, ...(await this.#store.list()).map((r) => r.cid)].map((c) => toHex(digestOfCid(c))))
    return manifest.pieceIds.some((id) => manifests.has(toHex(id)))
  }
}
