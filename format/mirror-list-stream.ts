/**
 * Checks a published mirror list against a manifest that arrives in parts
 * (the server's way, as tombstone-stream.ts does for tombstones): the
 * manifest must hash to the CID, have a mirror key, and the list's signature
 * must verify with that key (mirror-list.ts). What is newer than what is
 * stored is the state's to decide, in one atomic step.
 */
import { InvalidMirrorListError } from './errors.js'
import { ManifestStream, type Sha256Stream } from './manifest-stream.js'
import { type Ed25519Verify, type SignedMirrorList, verifyMirrorList } from './mirror-list.js'

export class MirrorListCheck {
  readonly #manifest: ManifestStream

  constructor(
    readonly cid: string,
    readonly list: SignedMirrorList,
    readonly size: number,
    createSha256: () => Sha256Stream,
  ) {
    this.#manifest = new ManifestStream(cid, size, createSha256)
  }

  /** Feeds the next part; true once all `size` bytes are in. Throws RangeError on more. */
  push(part: Uint8Array): boolean {
    return this.#manifest.push(part)
  }

  /** Why the list is refused, or null when it is the owner's. Call once every part is in. */
  async verdict(verify: Ed25519Verify): Promise<string | null> {
    if (!this.#manifest.matchesCid()) return 'the manifest does not match the CID'
    try {
      await verifyMirrorList(this.list, { cid: this.cid, mirrorKey: this.#manifest.field('mirrorKey') }, verify)
      return null
    } catch (err) {
      if (err instanceof InvalidMirrorListError) return err.message
      throw err
    }
  }
}
