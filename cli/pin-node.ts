/**
 * A pin node: a long-running blind peer that keeps drops available after
 * their senders have gone. It fetches what the server asks it to hold (the
 * manifest and sealed pieces, by CID alone: it never has a key), serves it
 * like any peer, reports its holdings as a heartbeat so the server can keep
 * each drop at its replica goal, and honours its size and age limits, expiry
 * and revocation.
 */
import type { Engine } from '../web/core/engine.js'
import type { Cid } from '../format/cid.js'
import type { Drop } from '../web/core/drop.js'
import { failureText } from '../web/ui/drop-text.js'
import type { PinHolding } from '../protocol/signal.js'

export interface PinNodeOptions {
  /** The server's pin token (--pin-token there). */
  token: string
  /** Pins older than this are dropped. */
  maxAgeMs?: number
  /** A drop no peer has served within this long is given up (another node may find it). */
  giveUpAfterMs?: number
  log?: (message: string) => void
  now?: () => number
}

const GIVE_UP_AFTER_MS = 10 * 60_000

export class PinNode {
  readonly #engine: Engine
  readonly #options: Required<Omit<PinNodeOptions, 'maxAgeMs'>> & Pick<PinNodeOptions, 'maxAgeMs'>
  readonly #watched = new WeakSet<Drop>()
  readonly #unsubscribe: (() => void)[] = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor(engine: Engine, options: PinNodeOptions) {
    this.#engine = engine
    this.#options = {
      ...options,
      log: options.log ?? (() => {}),
      now: options.now ?? Date.now,
      giveUpAfterMs: options.giveUpAfterMs ?? GIVE_UP_AFTER_MS,
    }
  }

  async start(): Promise<void> {
    const { pinNode } = this.#engine
    this.#unsubscribe.push(
      pinNode.events.on('pin-request', ({ cid, replicas }) => this.#safely(this.#pin(cid as Cid, replicas))),
      pinNode.events.on('welcome', () => this.#safely(this.#heartbeat())), // (re)connected: tell the server at once
      pinNode.events.on('error', ({ ref, message }) => {
        if (ref === 'pin-holdings') this.#options.log(`the server refused this pin node: ${message}`)
      }),
    )
    await this.#engine.restoreLibrary()
    for (const record of await this.#engine.library()) {
      const drop = this.#engine.drop(record.cid)
      if (drop) this.#watch(drop, record.cid)
    }
    await this.#heartbeat() // registers this connection as a pin node
    this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#unsubscribe.forEach((u) => u())
  }

  /** What the heartbeat reports: every drop held, whether complete. */
  async holdings(): Promise<PinHolding[]> {
    return (await this.#engine.library())
      .filter((r) => r.seeding)
      .map((r) => ({ cid: r.cid, replicas: r.replicas ?? 1, complete: this.#engine.drop(r.cid)?.state.phase === 'complete' }))
  }

  /** Background work logs its failures instead of taking the process down. */
  #safely(work: Promise<unknown>): void {
    work.catch((err) => this.#options.log(`error: ${err instanceof Error ? err.message : String(err)}`))
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(async () => {
      await this.#heartbeat().catch((err) => this.#options.log(`heartbeat failed: ${String(err)}`))
      this.#schedule()
    }, this.#engine.pinNode.pinPolicy.heartbeatMs)
  }

  async #heartbeat(): Promise<void> {
    await this.#dropOld()
    this.#engine.pinNode.pinHoldings(await this.holdings(), this.#options.token)
  }

  async #dropOld(): Promise<void> {
    const { maxAgeMs } = this.#options
    if (maxAgeMs === undefined) return
    for (const record of await this.#engine.library()) {
      if (this.#options.now() - record.addedAt <= maxAgeMs) continue
      await this.#engine.remove(record.cid)
      this.#engine.pinNode.pinReport(record.cid, 'dropped', 'older than --max-age')
      this.#options.log(`dropped ${record.cid}: older than --max-age`)
    }
  }

  async #pin(cid: Cid, replicas: number): Promise<void> {
    this.#options.log(`pin request for ${cid} (${replicas} copies wanted)`)
    try {
      this.#watch(await this.#engine.hold(cid, replicas), cid)
    } catch (err) {
      this.#engine.pinNode.pinReport(cid, 'refused', String(err))
    }
  }

  #watch(drop: Drop, cid: Cid): void {
    if (this.#watched.has(drop)) return
    this.#watched.add(drop)
    let settled = false
    const settle = () => {
      settled = true
      clearTimeout(giveUp)
      offs.forEach((off) => off())
    }
    const giveUp = setTimeout(() => {
      const phase = drop.state.phase
      if (!settled && (phase === 'finding-peers' || phase === 'fetching-manifest')) {
        settle()
        this.#safely(this.#giveUp(cid, null, `no peer served it within ${Math.round(this.#options.giveUpAfterMs / 60_000)} min`))
      }
    }, this.#options.giveUpAfterMs)
    giveUp.unref?.()
    const completed = () => {
      if (settled) return
      settle()
      this.#options.log(`holding all of ${cid}`)
      this.#safely(this.#heartbeat())
    }
    const failed = () => {
      if (settled || !drop.state.failure) return
      settle()
      this.#safely(this.#giveUp(cid, drop.state.failure.kind, failureText(drop.state.failure)))
    }
    const offs = [
      drop.events.on('complete', completed),
      ...(['failed', 'expired', 'revoked'] as const).map((event) => drop.events.on(event, failed)),
    ]
    // It may have ended before it was watched (a drop restored from disk, complete at once).
    if (drop.state.phase === 'complete') completed()
    else if (drop.state.failure) failed()
  }

  /** Expired and revoked drops are deleted by the engine and end the pin; anything else lets another node try. */
  async #giveUp(cid: Cid, kind: string | null, reason: string): Promise<void> {
    const ends = kind === 'expired' || kind === 'revoked'
    if (!ends) await this.#engine.remove(cid)
    this.#engine.pinNode.pinReport(cid, ends ? 'dropped' : 'refused', reason)
    this.#options.log(`${ends ? 'dropped' : 'refused'} ${cid}: ${reason}`)
  }
}
