/** The tracker's messages: announce, lookup, leave; answered with the swarm's members (and TURN credentials when due). */
import type { Client, Handlers, HubContext } from '../hub-context.js'
import type { Revocations } from './revoke.js'

export function trackerHandlers(ctx: HubContext, revocations: Revocations): Handlers<'announce' | 'lookup' | 'leave'> {
  const { options } = ctx

  /** Every ICE server with TURN credentials, to a connection that announced or looked up a swarm, when it has none or they are half used. */
  const sendIce = (client: Client): void => {
    const { forMember, refreshAfterMs } = options.ice
    const now = ctx.clock.now()
    if (!forMember || (client.iceAt !== null && now - client.iceAt <= refreshAfterMs)) return
    client.iceAt = now
    ctx.send(client, { type: 'ice', iceServers: forMember(client.id, now) })
  }

  /** Answers an announce or lookup: the tombstone, a refusal, or members (and TURN credentials when due). */
  const track = async (client: Client, cid: string, join: { complete: boolean } | null, type: 'announce' | 'lookup') => {
    const maxSwarms = options.maxSwarmsPerPeer
    const result = await options.state.track(client.id, cid, join && { complete: join.complete, maxSwarms }, options.maxPeersPerLookup)
    if ('revoked' in result) return revocations.sendRevoked(client, cid, result.revoked)
    if ('tooManySwarms' in result) return ctx.reject(client, 'too-many-swarms', `a connection may join at most ${maxSwarms} swarms`, type)
    sendIce(client)
    ctx.send(client, { type: 'peers', cid, peers: result.peers })
  }

  return {
    announce(client, message) {
      options.metrics?.announces.inc()
      return track(client, message.cid, { complete: message.complete }, message.type)
    },
    lookup(client, message) {
      options.metrics?.lookups.inc()
      return track(client, message.cid, null, message.type)
    },
    leave: (client, message) => options.state.leave(client.id, message.cid),
  }
}
