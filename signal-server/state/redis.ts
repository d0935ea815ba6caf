/**
 * Server state in Redis, shared by several server processes:
 *
 * - `sd:swarm:<cid>`   sorted set: peer → expiry (ms); members past it are stale
 * - `sd:seed:<cid>`    hash: peer → "1" when it holds everything
 * - `sd:swarms:<peer>` set of the CIDs a peer joined (the per-peer cap, and leaving)
 * - `sd:peer:<peer>`   the id of the process the peer is connected to
 * - `sd:revoked:<cid>` the revoke secret of a revoked drop, until its TTL; set once, never replaced
 * - `sd:revoked-unshared` sorted set: CID → when, of the tombstones of drops no other
 *                      peer was in; the oldest beyond the cap are deleted with their key
 * - `sd:mirrors:<cid>` hash: seq, list — a drop's published mirror list, until its TTL
 * - `sd:mirror-lists`  sorted set: CID → when its list was last published; the oldest
 *                      beyond the cap are deleted with their key
 * - channel `sd:node:<node id>`: messages for peers connected to that process (routed.ts)
 *
 * Every process refreshes its own peers' entries every TTL/3; when a process
 * dies its entries simply expire, so no one has to clean up after it. The
 * calls of the hot paths (membership checks, routes, announces) are batched
 * per event-loop turn into one script call each (batch.ts, redis-scripts.ts).
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { MirrorListResult, RevokeResult, ServerState, TrackResult } from './state.js'
import { usefulSample } from './sample.js'
import { TurnBatch } from './batch.js'
import { ARE_MEMBERS, JOIN, MEMBERS, PUBLISH_MIRROR_LIST, ROUTE, TRACK } from './redis-scripts.js'
import { decodeRouted, encodeRouted, isPeerId } from './routed.js'
import { REVOKE_SECRET_PATTERN } from '../../protocol/signal.js'

export interface RedisStateOptions {
  url: string
  /** How long entries live without a refresh: how soon a dead process's peers vanish. */
  ttlMs: number
  random?: () => number
}

/** Sample from at most this many members of a huge swarm. */
const SAMPLE_WINDOW = 2_000
/** Most calls in one script run: each run blocks Redis while it lasts. */
const MAX_BATCH = 500
/** Samples read up to SAMPLE_WINDOW members each: fewer to a run (at most 100,000 members read). */
const MAX_SAMPLE_BATCH = 50
const UNSHARED = 'sd:revoked-unshared'
const MIRROR_LISTS = 'sd:mirror-lists'

/**
 * Records a tombstone unless one is recorded (atomic, so two processes cannot
 * both win); an unshared one also joins the bounded set, evicting the oldest.
 * KEYS: the tombstone, the unshared set. ARGV: secret, ttl ms, '1' if unshared,
 * now ms, most unshared kept, cid. Returns [recorded secret, 1 if recorded now].
 */
const RECORD_TOMBSTONE = `
local recorded = redis.call('GET', KEYS[1])
if recorded then return {recorded, 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] == '1' then
  local ttl, now, max = tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5])
  redis.call('ZADD', KEYS[2], now, ARGV[6])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
  local excess = redis.call('ZCARD', KEYS[2]) - max
  if excess > 0 then
    for _, cid in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do redis.call('DEL', 'sd:revoked:' .. cid) end
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
  end
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return {ARGV[1], 1}
`

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
  readonly #areMembers: TurnBatch<[peer: string, cid: string], boolean>
  readonly #routes: TurnBatch<[to: string, inSwarm: string, frame: Buffer], boolean>
  readonly #joins: TurnBatch<[peer: string, cid: string, complete: boolean], void>
  readonly #members: TurnBatch<[cid: string, asker: string], Members>
  readonly #tombstones: TurnBatch<string, string | null>
  readonly #tracks: TurnBatch<[peer: string, cid: string, join: '' | '0' | '1'], { revoked: string } | Members>
  #closed = false

  private constructor(options: RedisStateOptions) {
    // Auto-pipelining: the commands of one event-loop turn (thousands under load) go out in one write, not one syscall each.
    this.#cmd = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true })
    this.#sub = new Redis(options.url, { lazyConnect: true })
    this.#ttl = options.ttlMs
    this.#random = options.random ?? Math.random
    this.#heartbeat = setInterval(() => void this.#refresh().catch(() => {}), Math.max(100, this.#ttl / 3))
    this.#sub.on('messageBuffer', (_channel: Buffer, payload: Buffer) => {
      for (const { to, message } of decodeRouted(payload).messages) for (const handler of this.#handlers) handler(to, message)
    })
    const cmd = this.#cmd as unknown as Record<
      'areMembers' | 'route' | 'join' | 'members' | 'track',
      (...args: (string | number | Buffer)[]) => Promise<unknown>
    >
    for (const [name, lua] of Object.entries({ areMembers: ARE_MEMBERS, route: ROUTE, join: JOIN, members: MEMBERS, track: TRACK }))
      this.#cmd.defineCommand(name, { lua, numberOfKeys: 0 })
    this.#areMembers = new TurnBatch(async (items) => {
      const found = (await cmd.areMembers(Date.now(), ...items.flat())) as number[]
      return found.map((f) => f === 1)
    }, MAX_BATCH)
    this.#routes = new TurnBatch(async (items) => {
      const sent = (await cmd.route(this.nodeId, Date.now(), ...items.flat())) as number[]
      return sent.map((s) => s === 1)
    }, MAX_BATCH)
    this.#joins = new TurnBatch(async (items) => {
      const expiry = Date.now() + this.#ttl
      await cmd.join(this.#ttl, ...items.flatMap(([peer, cid, complete]) => [peer, cid, complete ? '1' : '0', expiry]))
      return items.map(() => undefined)
    }, MAX_BATCH)
    this.#members = new TurnBatch(async (items) => {
      const replies = (await cmd.members(Date.now(), SAMPLE_WINDOW, ...items.flat())) as string[][]
      return replies.map(parseMembers)
    }, MAX_SAMPLE_BATCH)
    this.#tracks = new TurnBatch(async (items) => {
      const now = Date.now()
      const replies = (await cmd.track(now, SAMPLE_WINDOW, this.#ttl, now + this.#ttl, ...items.flat())) as string[][]
      return replies.map(([kind, ...rest]) => (kind === 'r' ? { revoked: rest[0] } : parseMembers(rest)))
    }, MAX_SAMPLE_BATCH)
    this.#tombstones = new TurnBatch((cids) => this.#cmd.mget(...cids.map((cid) => `sd:revoked:${cid}`)), MAX_BATCH)
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
    await this.#joins.add([peer, cid, complete])
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
    const [requesterComplete, members] = await this.#members.add([cid, exclude])
    return usefulSample(members, exclude, requesterComplete, limit, this.#random)
  }

  async track(peer: string, cid: string, join: { complete: boolean; maxSwarms: number } | null, limit: number): Promise<TrackResult> {
    const mine = this.#local.get(peer) ?? new Set<string>()
    const isNew = !mine.has(cid)
    const over = join !== null && isNew && mine.size >= join.maxSwarms
    const joining = join !== null && !over
    if (joining) this.#local.set(peer, mine.add(cid))
    const reply = await this.#tracks.add([peer, cid, joining ? (join.complete ? '1' : '0') : ''])
    if ('revoked' in reply) {
      if (joining && isNew) mine.delete(cid)
      return { revoked: canonical(reply.revoked) }
    }
    if (over) return { tooManySwarms: true }
    const [requesterComplete, members] = reply
    return { peers: usefulSample(members, peer, requesterComplete, limit, this.#random) }
  }

  async revoke(cid: string, secret: string, ttlMs: number, limits: { revoker: string; maxUnshared: number }): Promise<RevokeResult> {
    const members = await this.#cmd.zrangebyscore(`sd:swarm:${cid}`, Date.now(), '+inf')
    const unshared = members.every((peer) => peer === limits.revoker)
    const args = [secret, ttlMs, unshared ? '1' : '0', Date.now(), limits.maxUnshared, cid]
    const [recordedSecret, recorded] = (await this.#cmd.eval(RECORD_TOMBSTONE, 2, `sd:revoked:${cid}`, UNSHARED, ...args)) as [
      string,
      number,
    ]
    for (const swarms of this.#local.values()) swarms.delete(cid)
    const tx = this.#cmd.multi().del(`sd:swarm:${cid}`, `sd:seed:${cid}`)
    for (const peer of members) tx.srem(`sd:swarms:${peer}`, cid)
    await tx.exec()
    return { secret: canonical(recordedSecret), recorded: recorded === 1, members }
  }

  async tombstone(cid: string): Promise<string | undefined> {
    const secret = await this.#tombstones.add(cid)
    return secret === null ? undefined : canonical(secret)
  }

  async publishMirrorList(cid: string, seq: number, list: string, ttlMs: number, limits: { maxLists: number }): Promise<MirrorListResult> {
    const args = [String(seq), list, ttlMs, Date.now(), limits.maxLists, cid]
    const [recorded, kept, keptSeq] = (await this.#cmd.eval(PUBLISH_MIRROR_LIST, 2, `sd:mirrors:${cid}`, MIRROR_LISTS, ...args)) as [
      number,
      string,
      string,
    ]
    return { recorded: recorded === 1, list: kept, seq: Number(keptSeq) }
  }

  async mirrorList(cid: string): Promise<string | undefined> {
    return (await this.#cmd.hget(`sd:mirrors:${cid}`, 'list')) ?? undefined
  }

  async isMember(peer: string, cid: string): Promise<boolean> {
    if (this.#local.get(peer)?.has(cid)) return true
    return this.#areMembers.add([peer, cid])
  }

  async route(to: string, message: string | Uint8Array, inSwarm = ''): Promise<boolean> {
    // A peer id is all a frame can name: anything else names no peer anywhere.
    if (!isPeerId(to)) return false
    return this.#routes.add([to, inSwarm, encodeRouted(to, message)])
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
      for (const cid of swarms)
        tx.zadd(`sd:swarm:${cid}`, 'XX', expiry, peer)
          .pexpire(`sd:swarm:${cid}`, this.#ttl * 2)
          .pexpire(`sd:seed:${cid}`, this.#ttl * 2)
    }
    await tx.exec()
  }
}

/** Whether the asker is complete, and the members read with whether each is. */
type Members = [asker: boolean, members: [string, boolean][]]

/** MEMBERS_OF's reply (redis-scripts.ts). */
function parseMembers([asker, ...rest]: string[]): Members {
  const members: [string, boolean][] = []
  for (let i = 0; i + 1 < rest.length; i += 2) members.push([rest[i], rest[i + 1] === '1'])
  return [asker === '1', members]
}

/** Older servers stored the secret as sent, possibly with spare bits set: it is sent on in canonical form only. */
function canonical(secret: string): string {
  return REVOKE_SECRET_PATTERN.test(secret) ? secret : Buffer.from(secret, 'base64url').toString('base64url')
}
