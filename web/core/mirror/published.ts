/**
 * Published mirror lists as the engine uses them (format/mirror-list.ts):
 * mirrors the owner added after the link went out, kept by the server.
 *
 * A drop that still needs pieces asks the server for its list and connects
 * the mirrors it names, beside the link's (at most MAX_MIRRORS in all). The
 * server is not trusted: a list counts only once its signature verifies
 * with the mirror key of the drop's manifest and it names this CID. Where
 * the manifest is here that is checked before any mirror is contacted;
 * where it is not (a fresh link, nobody online), each mirror first serves
 * the manifest, which must hash to the CID, and says HELLO only once the
 * list checks out against it (mirror-connection.ts `admit`), so a list the
 * owner did not sign gets one manifest GET per mirror, never a piece.
 *
 * The owner publishes a new list (`publish`): signed with the key derived
 * from the revoke secret (crypto/mirror-key.ts), numbered by the clock
 * above every list seen, sent with the manifest for the server to check.
 */
import type { Cid } from '../../../format/cid.js'
import { digestOfCid } from '../../../format/cid.js'
import { bytesEqual, fromBase64Url, toBase64Url } from '../../../format/bytes.js'
import { InvalidMirrorListError } from '../../../format/errors.js'
import type { Manifest } from '../../../format/manifest.js'
import { MAX_MIRRORS, parseMirrorBase } from '../../../format/mirror-base.js'
import { type SignedMirrorList, decodeMirrorList, verifyMirrorList } from '../../../format/mirror-list.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { mirrorPublicKey, signMirrorListAsOwner } from '../crypto/mirror-key.js'
import type { Drop } from '../drop.js'
import type { Library } from '../library/library.js'
import type { MirrorListClient, ServerLink } from '../signaling/roles.js'
import type { Clock } from '../util/clock.js'
import type { Fetch } from './mirror-connection.js'
import { connectMirrors } from './mirrors.js'

/** How long the owner's tools wait for the server's answer, and for its confirmation of a publish. */
const ANSWER_TIMEOUT_MS = 10_000
const PUBLISH_TIMEOUT_MS = 20_000

export interface PublishedMirrorsHost {
  signaling: ServerLink & MirrorListClient
  crypto: CryptoProvider
  clock: Clock
  fetch: Fetch
  library: Library
  drop(cid: Cid): Drop | undefined
  storedManifest(cid: Cid): Promise<{ manifest: Manifest; bytes: Uint8Array } | undefined>
}

interface Waiter {
  cid: Cid
  /** Whether this answer is the one waited for (a publish waits for its own list). */
  accepts(list: string | null): boolean
  resolve(list: string | null): void
  reject(err: Error): void
  publish: boolean
}

export class PublishedMirrors {
  readonly #host: PublishedMirrorsHost
  /** The highest seq seen per drop: an older list a server sends later is ignored, and the owner numbers above it. */
  readonly #newest = new Map<Cid, number>()
  readonly #waiters = new Set<Waiter>()
  readonly #unsubscribe: (() => void)[]

  constructor(host: PublishedMirrorsHost) {
    this.#host = host
    this.#unsubscribe = [
      host.signaling.events.on('mirrors', ({ cid, list }) => this.#received(cid as Cid, list)),
      host.signaling.events.on('error', ({ ref, message }) => {
        if (ref !== 'mirrors-publish') return
        for (const w of this.#waiters) if (w.publish) w.reject(new Error(`The server refused the mirror list: ${message}`))
      }),
    ]
  }

  /** Asks for the drop's list; its mirrors are connected once it checks out. */
  follow(cid: Cid): void {
    this.#host.signaling.getMirrors(cid)
  }

  /**
   * The drop's published list, checked against its manifest; null when the
   * server has none. Throws InvalidMirrorListError when the server's list is
   * not the owner's, Error when the server cannot be asked.
   */
  async current(cid: Cid, manifest: Manifest): Promise<SignedMirrorList | null> {
    const text = await this.#ask(
      cid,
      () => true,
      false,
      ANSWER_TIMEOUT_MS,
      () => this.#host.signaling.getMirrors(cid),
    )
    if (text === null) return null
    const list = this.#decode(cid, text)
    await verifyMirrorList(list, { cid, mirrorKey: manifest.mirrorKey }, this.#host.crypto.ed25519.verify)
    return list
  }

  /**
   * Publishes `mirrors` (base URLs, in order) as the drop's list, replacing
   * the one published: only the owner can (the revoke secret is in the
   * library). Resolves with the list the server confirmed.
   */
  async publish(cid: Cid, mirrors: readonly string[]): Promise<SignedMirrorList> {
    const { crypto, library, clock } = this.#host
    const secret = (await library.get(cid))?.revokeSecret
    if (!secret) throw new Error('Only the owner of this drop (or an owner link) can publish its mirrors.')
    const known = await this.#manifest(cid)
    if (!known) throw new Error('This drop’s manifest is not here yet: wait until a peer or a mirror has sent it.')
    const { manifest, bytes } = known
    if (!manifest.mirrorKey) throw new Error('This drop was made before published mirror lists: its mirrors can only be named in links.')
    const revokeSecret = fromBase64Url(secret)
    if (!bytesEqual(await mirrorPublicKey(crypto, revokeSecret), manifest.mirrorKey)) {
      throw new Error('The owner secret held here does not sign this drop’s mirror lists.')
    }
    const bases = [...new Set(mirrors.map(baseOf))]
    if (bases.length > MAX_MIRRORS) throw new Error(`A drop has at most ${MAX_MIRRORS} mirrors.`)
    // Numbered above the list published now (a list the server holds that fails the check still counts).
    await this.current(cid, manifest).catch((err) => {
      if (!(err instanceof InvalidMirrorListError)) throw err
    })
    const seq = Math.max(clock.now(), (this.#newest.get(cid) ?? 0) + 1)
    const signed = await signMirrorListAsOwner(crypto, revokeSecret, { cidDigest: digestOfCid(cid), seq, mirrors: bases })
    const text = toBase64Url(signed)
    await this.#ask(
      cid,
      (list) => list === text,
      true,
      PUBLISH_TIMEOUT_MS,
      () => this.#host.signaling.publishMirrors(cid, text, bytes),
    )
    return decodeMirrorList(signed)
  }

  close(): void {
    this.#unsubscribe.forEach((u) => u())
    for (const w of this.#waiters) w.reject(new Error('The engine closed.'))
  }

  async #manifest(cid: Cid): Promise<{ manifest: Manifest; bytes: Uint8Array } | undefined> {
    const swarm = this.#host.drop(cid)?.swarm
    if (swarm?.manifest && swarm.manifestBytes) return { manifest: swarm.manifest, bytes: swarm.manifestBytes }
    return this.#host.storedManifest(cid)
  }

  /** Sends, and waits for the answer `accepts` takes (or a refusal, for a publish). */
  #ask(cid: Cid, accepts: Waiter['accepts'], publish: boolean, timeoutMs: number, send: () => void): Promise<string | null> {
    const { signaling, clock } = this.#host
    if (signaling.status !== 'open') return Promise.reject(new Error('Not connected to the server: try again once the connection is back.'))
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => waiter.reject(new Error('The server did not answer in time: try again.')), timeoutMs)
      const end = () => {
        clock.clearTimeout(timer)
        this.#waiters.delete(waiter)
      }
      const waiter: Waiter = {
        cid,
        accepts,
        publish,
        resolve: (list) => {
          end()
          resolve(list)
        },
        reject: (err) => {
          end()
          reject(err)
        },
      }
      this.#waiters.add(waiter)
      send()
    })
  }

  /** Decodes a list from the server (InvalidMirrorListError if it is not one), noting its seq. */
  #decode(cid: Cid, text: string): SignedMirrorList {
    let list: SignedMirrorList
    try {
      list = decodeMirrorList(fromBase64Url(text))
    } catch (err) {
      if (err instanceof InvalidMirrorListError) throw err
      throw new InvalidMirrorListError('malformed', 'the list is not base64url')
    }
    this.#newest.set(cid, Math.max(this.#newest.get(cid) ?? 0, list.seq))
    return list
  }

  /** A list from the server: answers whoever waits for it, and feeds the drop's mirrors. */
  #received(cid: Cid, text: string | null): void {
    for (const w of [...this.#waiters]) if (w.cid === cid && w.accepts(text)) w.resolve(text)
    const drop = this.#host.drop(cid)
    if (!drop || text === null || drop.state.role === 'sharing' || drop.swarm.have?.complete) return
    const warn = (why: string) => drop.swarm.events.emit('warning', `Ignored the server’s mirror list for this drop: ${why}.`)
    const seen = this.#newest.get(cid)
    let list: SignedMirrorList
    try {
      list = this.#decode(cid, text)
    } catch (err) {
      return warn((err as Error).message)
    }
    if (seen !== undefined && list.seq <= seen) return // a list already acted on, or older
    const { crypto, fetch } = this.#host
    const check = (manifest: Manifest) => verifyMirrorList(list, { cid, mirrorKey: manifest.mirrorKey }, crypto.ed25519.verify)
    const manifest = drop.swarm.manifest
    if (manifest) {
      check(manifest).then(
        () => this.#host.drop(cid) === drop && connectMirrors(drop.swarm, cid, list.mirrors, { crypto, fetch }),
        (err: Error) => warn(err.message),
      )
      return
    }
    // The manifest will come from the mirrors themselves: each says HELLO only if the list checks out against it.
    let verdict: Promise<string | null> | undefined
    const admit = (m: Manifest) =>
      (verdict ??= check(m).then(
        () => null,
        (err: Error) => `is named only by a mirror list the drop’s owner did not sign (${err.message})`,
      ))
    connectMirrors(drop.swarm, cid, list.mirrors, { crypto, fetch }, admit)
  }
}

function baseOf(text: string): string {
  const parsed = parseMirrorBase(text)
  if ('error' in parsed) throw new Error(`Not a mirror: ${parsed.error}.`)
  return parsed.base
}
