/**
 * Tombstones: a 'revoke' message, then the manifest in binary parts; the
 * server checks both (format/tombstone-stream.ts), records the tombstone and
 * tells every member. Later announces, lookups and pins of the CID hear it
 * instead of an answer.
 */
import { createHash } from 'node:crypto'
import { TombstoneCheck } from '../../format/tombstone-stream.js'
import type { ServerMessage } from '../../protocol/signal.js'
import type { Client, Handlers, HubContext } from '../hub-context.js'
import { AddressQuota } from '../quota.js'

export class Revocations {
  readonly #quota: AddressQuota
  readonly handlers: Handlers<'revoke'>

  constructor(
    private readonly ctx: HubContext,
    /** Told of each recorded tombstone: no one keeps the drop any more. */
    private readonly onRevoked: (cid: string) => void,
  ) {
    const { options } = ctx
    this.#quota = new AddressQuota(options.revokesPerHour, 3_600_000, () => ctx.clock.now())
    this.handlers = {
      revoke: (client, message) => {
        // A new tombstone replaces a manifest still arriving: only one is held per connection.
        client.tombstone = null
        client.mirrorList = null
        if (!this.#quota.allows(client.address)) {
          return ctx.reject(client, 'rate-limited', `one address may send ${options.revokesPerHour} revokes per hour`, message.type)
        }
        this.#quota.take(client.address)
        client.tombstone = new TombstoneCheck(message.cid, message.secret, message.size, () => createHash('sha256'))
      },
    }
  }

  /** Answers for a revoked CID with its tombstone; true if it was one. */
  async answerIfRevoked(client: Client, cid: string): Promise<boolean> {
    const secret = await this.ctx.options.state.tombstone(cid)
    if (secret) this.sendRevoked(client, cid, secret)
    return secret !== undefined
  }

  sendRevoked(client: Client, cid: string, secret: string): void {
    this.ctx.send(client, { type: 'revoked', cid, secret })
  }

  async manifestPart(client: Client, part: Uint8Array): Promise<void> {
    const { ctx } = this
    const check = client.tombstone
    if (!check) return ctx.reject(client, 'bad-message', 'manifest part without a revoke or mirrors-publish message', 'revoke')
    let done: boolean
    try {
      done = check.push(part)
    } catch {
      client.tombstone = null
      return ctx.reject(client, 'bad-tombstone', 'more manifest bytes than the revoke message announced', 'revoke')
    }
    if (!done) return
    client.tombstone = null
    const invalid = check.verdict()
    if (invalid) return ctx.reject(client, 'bad-tombstone', `tombstone refused: ${invalid}`, 'revoke')
    const { options } = ctx
    const limits = { revoker: client.id, maxUnshared: options.maxUnsharedTombstones }
    const { secret, members } = await options.state.revoke(check.cid, check.secret, options.tombstoneTtlMs, limits)
    this.onRevoked(check.cid)
    options.logger.info('drop revoked', { cid: check.cid.slice(0, 12), members: members.length })
    // The recorded secret: a tombstone once recorded is the one everyone hears.
    const out: ServerMessage = { type: 'revoked', cid: check.cid, secret }
    if (!members.includes(client.id)) ctx.send(client, out) // the owner hears it too: its confirmation
    for (const peer of members) await ctx.deliver(peer, out)
  }
}
