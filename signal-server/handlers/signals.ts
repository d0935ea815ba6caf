/** WebRTC signal forwarding: only between two members of the swarm the signal names. */
import type { Handlers, HubContext } from '../hub-context.js'

export function signalHandlers(ctx: HubContext): Handlers<'signal'> {
  const { options } = ctx
  return {
    async signal(client, message) {
      const unknown = () => ctx.reject(client, 'unknown-peer', 'that peer is not in this swarm (it may have left)', message.type)
      // A receiver on another process is checked where the signal is routed, in the same Redis call as the route.
      const here = ctx.client(message.to) !== undefined
      if (here && !(await options.state.isMember(message.to, message.cid))) return unknown()
      // Both ends, as for relay frames: a stranger who knows a CID must not negotiate with its members.
      if (!(await options.state.isMember(client.id, message.cid))) {
        if (!here && !(await options.state.isMember(message.to, message.cid))) return unknown()
        return ctx.reject(client, 'not-in-swarm', 'announce a drop before signalling its peers', message.type)
      }
      const signal = { type: 'signal', from: client.id, cid: message.cid, data: message.data } as const
      if (!(await ctx.deliver(message.to, signal, message.cid))) return unknown()
      options.metrics?.signals.inc()
    },
  }
}
