/**
 * Revocation as the engine does it: the owner's "stop sharing everywhere"
 * (the tombstone goes through the server, which checks it and tells every
 * peer in the swarm, and every peer that comes back later), and tombstones
 * that arrive from the server or from peers.
 *
 * Every tombstone is checked against the drop's manifest before anything is
 * deleted: a forged one changes nothing. The check uses the manifest the
 * running swarm has in memory (a peer's is checked by the swarm itself, which
 * drops a peer that sends a bogus one), so a flood of tombstones costs no
 * store reads. Without a manifest (a download that has not started) only the
 * server is believed: nothing of the drop is here to protect, and the server
 * introduces no peers for it anyway. A checked tombstone is passed on to our
 * peers (who may not have heard it from a server) before the drop is deleted.
 */
import type { Revoker, ServerLink } from './signaling/roles.js'
import type { CryptoProvider } from './crypto/provider.js'
import type { Library } from './library/library.js'
import type { Cid } from '../../format/cid.js'
import type { Manifest } from '../../format/manifest.js'
import { isValidTombstone, revokeSecretFromText } from '../../format/tombstone.js'
import type { Drop } from './drop.js'
import type { Clock, TimerId } from './util/clock.js'
import { toBase64Url } from '../../format/bytes.js'

/** How long "stop sharing everywhere" waits for the server's confirmation. */
const REVOKE_TIMEOUT_MS = 20_000
/** How long a revoked swarm stays connected (serving nothing) so its TOMBSTONE frames reach the peers. */
const TOMBSTONE_LINGER_MS = 500

export interface RevocationHost {
  signaling: ServerLink & Revoker
  crypto: CryptoProvider
  clock: Clock
  library: Library
  drop(cid: Cid): Drop | undefined
  storedManifest(cid: Cid): Promise<{ manifest: Manifest; bytes: Uint8Array } | undefined>
  /** Deletes the drop from this browser. */
  remove(cid: Cid): Promise<void>
  /** Runs work started by an event, so its failure is shown instead of becoming an unhandled rejection. */
  background(cid: Cid, work: Promise<unknown>): void
}

/** An owner's revoke() waiting: the server's confirmation stops the clock; the local deletion ends the wait. */
interface RevokeWaiter {
  promise: Promise<void>
  confirmed(): void
  resolve(): void
  reject(err: Error): void
}

export class Revocation {
  readonly #host: RevocationHost
  /** Owners waiting for the server to confirm their tombstone, by CID. */
  readonly #waiters = new Map<Cid, RevokeWaiter>()
  /** Tombstones being applied, by `${cid}|${secret}`. */
  readonly #applying = new Map<string, Promise<void>>()
  readonly #unsubscribe: (() => void)[]

  constructor(host: RevocationHost) {
    this.#host = host
    const { signaling } = host
    this.#unsubscribe = [
      signaling.events.on('revoked', ({ cid, secret }) => this.#fromServer(cid as Cid, secret)),
      signaling.events.on('error', ({ ref, message }) => {
        if (ref !== 'revoke') return
        for (const waiter of this.#waiters.values()) waiter.reject(new Error(`The server refused to stop sharing: ${message}`))
        this.#waiters.clear()
      }),
    ]
  }

  /** Resolves once the server has confirmed and this browser has deleted the drop. */
  async revoke(cid: Cid): Promise<void> {
    const { library, signaling } = this.#host
    const record = await library.get(cid)
    if (!record?.revokeSecret) throw new Error('Only the owner of this drop (or an owner link) can stop sharing it everywhere.')
    const stored = await this.#host.storedManifest(cid)
    if (!stored) throw new Error('This browser does not hold the drop’s manifest yet: wait until the download has started.')
    if (signaling.status !== 'open') throw new Error('Not connected to the server: try again once the connection is back.')
    const pending = this.#waiters.get(cid)
    if (pending) return pending.promise // asked twice: one tombstone, one answer
    const { clock } = this.#host
    let timer: TimerId | undefined
    const waiter = {} as RevokeWaiter
    waiter.promise = new Promise<void>((resolve, reject) => {
      const end = () => {
        clock.clearTimeout(timer)
        if (this.#waiters.get(cid) === waiter) this.#waiters.delete(cid)
      }
      waiter.resolve = () => {
        end()
        resolve()
      }
      waiter.reject = (err) => {
        end()
        reject(err)
      }
      waiter.confirmed = () => clock.clearTimeout(timer)
      timer = clock.setTimeout(() => waiter.reject(new Error('The server did not confirm in time: try again.')), REVOKE_TIMEOUT_MS)
    })
    this.#waiters.set(cid, waiter)
    signaling.revoke(cid, record.revokeSecret, stored.bytes)
    return waiter.promise
  }

  /** A peer's tombstone, already checked by the swarm against its manifest. */
  fromPeer(cid: Cid, secret: Uint8Array): void {
    this.#host.background(
      cid,
      this.#once(cid, secret, () => this.#apply(cid, secret, true)),
    )
  }

  /** Work for this drop failed in the background: an owner waiting on it hears why. */
  failed(cid: Cid, message: string): void {
    this.#waiters.get(cid)?.reject(new Error(`Deleting the drop here failed: ${message}`))
  }

  close(): void {
    this.#unsubscribe.forEach((u) => u())
  }

  /** Never throws: a malformed secret is a warning, whoever sent it. */
  #fromServer(cid: Cid, text: string): void {
    const secret = revokeSecretFromText(text)
    if (!secret) {
      this.#host.drop(cid)?.swarm.events.emit('warning', 'ignored a tombstone from the server with a malformed revoke secret')
      return
    }
    this.#waiters.get(cid)?.confirmed()
    const applied = this.#once(cid, secret, () => this.#checkAndApply(cid, secret)).then(() => this.#waiters.get(cid)?.resolve())
    this.#host.background(cid, applied)
  }

  /** A second copy of the same tombstone (from the server and a peer) waits for the first. */
  #once(cid: Cid, secret: Uint8Array, apply: () => Promise<void>): Promise<void> {
    const key = `${cid}|${toBase64Url(secret)}`
    let applying = this.#applying.get(key)
    if (!applying) {
      applying = apply().finally(() => this.#applying.delete(key))
      this.#applying.set(key, applying)
    }
    return applying
  }

  async #checkAndApply(cid: Cid, secret: Uint8Array): Promise<void> {
    const { crypto, library } = this.#host
    const drop = this.#host.drop(cid)
    if (!drop && !(await library.get(cid))) return
    const manifest = drop?.swarm.manifest ?? (await this.#host.storedManifest(cid))?.manifest
    if (manifest && !(await isValidTombstone(crypto, manifest, secret))) {
      drop?.swarm.events.emit('warning', 'ignored a tombstone from a server that does not match this drop')
      return
    }
    await this.#apply(cid, secret, manifest !== undefined)
  }

  async #apply(cid: Cid, secret: Uint8Array, checked: boolean): Promise<void> {
    const drop = this.#host.drop(cid)
    drop?.revoke()
    if (checked && drop) {
      drop.swarm.sendTombstone(secret)
      await new Promise((resolve) => this.#host.clock.setTimeout(() => resolve(undefined), TOMBSTONE_LINGER_MS)) // let the frames leave before the links close
    }
    await this.#host.remove(cid)
  }
}
