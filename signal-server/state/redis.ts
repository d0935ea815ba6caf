/**
 * Server state in Redis, shared by several server processes:
 *
 * - `sd:swarm:<cid>`   sorted set: peer → expiry (ms); members past it are stale
 * - `sd:seed:<cid>`    hash: peer → "1" when it holds everything
 * - `sd:swarms:<peer>` set of the CIDs a peer joined (the per-peer cap, and leaving)
 * - `sd:peer:<peer>`   the id of the process the peer is connected to
 * - `sd:revoked:<cid>` the revoke secret of a revoked drop, until its TTL
 * - channel `sd:node:<node id>`: messages for peers connected to that process
 *
 * Every process refreshes its own peers' entries every TTL/3; when a process
 * dies its entries simply expire, so no one has to clean up after it.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { ServerState } from './state.js'
import { usefulSample } from './sample.js'

export interface RedisStateOptions {
  url: string
  /** How long entries live without a refresh: how soon a dead process's peers vanish. */
  ttlMs: number
  random?: () => number
}

/** Sample from at most this many members of a huge swarm. */
const SAMPLE_WINDOW = 2_000
const TEXT = 0
const BINARY = 1

export class RedisState implements ServerState {
  readonly nodeId = randomBytes(8).toString('hex')
  readonly #cmd: Redis
  readonly #sub: Redis
  readonly #ttl: number
  readonly #random: () => number
  /** This process's peers and the swarms they joined, to refresh. */
  readonly #local = new Map<string, Set<string>>()
  readonly #handlers: ((to: string, message: string | Uint8Array) => void)[] = []
  readonly #heartbeat: ReturnType<typeof setInterval>
  #closed = false

  private constructor(options: RedisStateOptions) {
    this.#cmd = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3 })
    this.#sub = new Redis(options.url, { lazyConnect: true })
    this.#ttl = options.ttlMs
    this.#random = options.random ?? Math.random
    this.#heartbeat = setInterval(() => void this.#refresh().catch(() => {}), Math.max(100, this.#ttl / 3))
    this.#sub.on('messageBuffer', (_channel: Buffer, payload: Buffer) => {
      const to = payload.subarray(0, 22).toString('latin1')
      const body = payload.subarray(23)
      const message = payload[22] === TEXT ? body.toString('utf8') : new Uint8Array(body)
      for (const handler of this.#handlers) handler(to, message)
    })
  }

  static async connect(options: RedisStateOptions): Promise<RedisState> {
    const state = new RedisState(options)
    await state.#cmd.connect()
    await state.#sub.connect()
    await state.#sub.subscribe(`sd:node:${state.nodeId}`)
    return state
  }

  get localSwarmCount(): number {
    const cids = new Set<string>()
    for (const swarms of this.#local.values()) for (const cid of swarms) cids.add(cid)
    return cids.size
  }

  async connect(peer: string): Promise<void> {
    this.#local.set(peer, new Set())
    await this.#cmd.set(`sd:peer:${peer}`, this.nodeId, 'PX', this.#ttl)
  }

  async join(peer: string, cid: string, complete: boolean, maxSwarms: number): Promise<boolean> {
    const mine = this.#local.get(peer) ?? new Set<string>()
    if (!mine.has(cid) && mine.size >= maxSwarms) return false
    mine.add(cid)
    this.#local.set(peer, mine)
    await this.#cmd
      .multi()
      .zadd(`sd:swarm:${cid}`, Date.now() + this.#ttl, peer)
      .pexpire(`sd:swarm:${cid}`, this.#ttl * 2)
      .hset(`sd:seed:${cid}`, peer, complete ? '1' : '0')
      .pexpire(`sd:seed:${cid}`, this.#ttl * 2)
      .sadd(`sd:swarms:${peer}`, cid)
      .pexpire(`sd:swarms:${peer}`, this.#ttl)
      .exec()
    return true
  }

  async leave(peer: string, cid: string): Promise<void> {
    this.#local.get(peer)?.delete(cid)
    await this.#cmd.multi().zrem(`sd:swarm:${cid}`, peer).hdel(`sd:seed:${cid}`, peer).srem(`sd:swarms:${peer}`, cid).exec()
  }

  async drop(peer: string): Promise<void> {
    if (this.#closed) return // close() already removed this process's peers
    const swarms = this.#local.get(peer) ?? new Set<string>()
    this.#local.delete(peer)
    const tx = this.#cmd.multi()
    for (const cid of swarms) tx.zrem(`sd:swarm:${cid}`, peer).hdel(`sd:seed:${cid}`, peer)
    await tx.del(`sd:swarms:${peer}`, `sd:peer:${peer}`).exec()
  }

  async sample(cid: string, exclude: string, limit: number): Promise<string[]> {
    const peers = await this.#cmd.zrangebyscore(`sd:swarm:${cid}`, Date.now(), '+inf', 'LIMIT', 0, SAMPLE_WINDOW)
    if (peers.length === 0) return []
    const flags = await this.#cmd.hmget(`sd:seed:${cid}`, ...peers)
    const members = peers.map((p, i): [string, boolean] => [p, flags[i] === '1'])
    const requesterComplete = (await this.#cmd.hget(`sd:seed:${cid}`, exclude)) === '1'
    return usefulSample(members, exclude, requesterComplete, limit, this.#random)
  }

  async revoke(cid: string, secret: string, ttlMs: number): Promise<string[]> {
    const members = await this.#cmd.zrange(`sd:swarm:${cid}`, 0, -1)
    for (const swarms of this.#local.values()) swarms.delete(cid)
    const tx = this.#cmd.multi().set(`sd:revoked:${cid}`, secret, 'PX', ttlMs).del(`sd:swarm:${cid}`, `sd:seed:${cid}`)
    for (const peer of members) tx.srem(`sd:swarms:${peer}`, cid)
    await tx.exec()
    return members
  }

  async tombstone(cid: string): Promise<string | undefined> {
    return (await this.#cmd.get(`sd:revoked:${cid}`)) ?? undefined
  }

  async isMember(peer: string, cid: string): Promise<boolean> {
    if (this.#local.get(peer)?.has(cid)) return true
    const expiry = await this.#cmd.zscore(`sd:swarm:${cid}`, peer)
    return expiry !== null && Number(expiry) > Date.now()
  }

  async route(to: string, message: string | Uint8Array): Promise<boolean> {
    const node = await this.#cmd.get(`sd:peer:${to}`)
    if (!node || node === this.nodeId) return false
    const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message.buffer, message.byteOffset, message.byteLength)
    const payload = Buffer.concat([Buffer.from(to, 'latin1'), Buffer.of(typeof message === 'string' ? TEXT : BINARY), body])
    return (await this.#cmd.publish(`sd:node:${node}`, payload)) > 0
  }

  onRouted(handler: (to: string, message: string | Uint8Array) => void): void {
    this.#handlers.push(handler)
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat)
    for (const peer of [...this.#local.keys()]) await this.drop(peer).catch(() => {})
    this.#closed = true
    this.#sub.disconnect()
    await this.#cmd.quit().catch(() => {})
  }

  async #refresh(): Promise<void> {
    if (this.#local.size === 0) return
    const expiry = Date.now() + this.#ttl
    const tx = this.#cmd.pipeline()
    for (const [peer, swarms] of this.#local) {
      tx.pexpire(`sd:peer:${peer}`, this.#ttl).pexpire(`sd:swarms:${peer}`, this.#ttl)
      for (const cid of swarms) tx.zadd(`sd:swarm:${cid}`, 'XX', expiry, peer).pexpire(`sd:swarm:${cid}`, this.#ttl * 2).pexpire(`sd:seed:${cid}`, this.#ttl * 2)
    }
    await tx.exec()
  }
}
