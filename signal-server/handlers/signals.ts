/** WebRTC signal forwarding: only between two members of the swarm the signal names. */
import type { Handlers, HubContext } from '../hub-context.js'

export function signalHandlers(ctx: HubContext): Handlers<'signal'> {
  const { options } = ctx
  return {
    async signal(client, message) {
      const unknown = () => ctx.reject(client, 'unknown-peer', 'that peer is not in this swarm (it may have left)', message.type)
      if (!(await options.state.isMember(message.to, message.cid))) return unknown()
      // Both ends, as for relay frames: a stranger who knows a CID must not negotiate with its members.
      if (!(await options.state.isMember(client.id, message.cid))) {
        return ctx.reject(client, 'not-in-swarm', 'announce a drop before signalling its peers', message.type)
      }
      if (!(await ctx.deliver(message.to, { type: 'signal', from: client.id, cid: message.cid, data: message.data }))) return unknown()
      options.metrics?.signals.inc()
    },
  }
}
