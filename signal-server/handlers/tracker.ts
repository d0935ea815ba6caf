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

  const sendPeers = async (client: Client, cid: string): Promise<void> => {
    ctx.send(client, { type: 'peers', cid, peers: await options.state.sample(cid, client.id, options.maxPeersPerLookup) })
  }

  return {
    async announce(client, message) {
      options.metrics?.announces.inc()
      if (await revocations.answerIfRevoked(client, message.cid)) return
      if (!(await options.state.join(client.id, message.cid, message.complete, options.maxSwarmsPerPeer))) {
        return ctx.reject(client, 'too-many-swarms', `a connection may join at most ${options.maxSwarmsPerPeer} swarms`, message.type)
      }
      sendIce(client)
      return sendPeers(client, message.cid)
    },
    async lookup(client, message) {
      options.metrics?.lookups.inc()
      if (await revocations.answerIfRevoked(client, message.cid)) return
      sendIce(client)
      return sendPeers(client, message.cid)
    },
    leave: (client, message) => options.state.leave(client.id, message.cid),
  }
}
