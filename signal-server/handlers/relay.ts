/**
 * The relay's messages: relay-open and relay-close between two members of a
 * swarm, and the binary relay frames, with the per-connection and
 * per-address budgets (../relay.ts holds the byte rate and backpressure).
 */
import { type RelayFrame, decodeRelayFrame, encodeRelayFrame } from '../../protocol/relay.js'
import type { ErrorCode } from '../../protocol/signal.js'
import { cidFromDigest } from '../../format/cid.js'
import type { Client, Handlers, HubContext } from '../hub-context.js'
import { AddressQuota } from '../quota.js'
import { forward } from '../relay.js'

/** Relay errors about one target are repeated at most this often: frames in flight to a peer that left are expected. */
const RELAY_ERROR_INTERVAL_MS = 1_000
const GONE = 'that peer is not in this swarm (it may have left)'

export class RelayHandler {
  /** Total bytes relayed since start. */
  relayedBytes = 0
  readonly #allowance: AddressQuota
  readonly handlers: Handlers<'relay-open' | 'relay-close'>

  constructor(private readonly ctx: HubContext) {
    const { options } = ctx
    this.#allowance = new AddressQuota(options.relay.budgetPerIpBytes, 86_400_000, () => ctx.clock.now())
    this.handlers = {
      'relay-open': async (client, message) => {
        const refuse = (code: ErrorCode, text: string) => ctx.reject(client, code, text, message.type, message.to)
        if (!options.relay.enabled) return refuse('relay-disabled', 'this server does not relay')
        if (!(await options.state.isMember(client.id, message.cid)))
          return refuse('not-in-swarm', 'announce a drop before relaying to its peers')
        if (!(await options.state.isMember(message.to, message.cid))) return refuse('unknown-peer', GONE)
        if (!(await ctx.deliver(message.to, { type: 'relay-open', from: client.id, cid: message.cid }))) return refuse('unknown-peer', GONE)
      },
      // Only between two members of the swarm, as relay-open. A close to a peer
      // that is gone has no one to tell: it is dropped without an error.
      'relay-close': async (client, message) => {
        if (!options.relay.enabled) return
        if (!(await options.state.isMember(client.id, message.cid))) return
        if (!(await options.state.isMember(message.to, message.cid))) return
        await ctx.deliver(message.to, { type: 'relay-close', from: client.id, cid: message.cid })
      },
    }
  }

  async frame(client: Client, data: Buffer): Promise<void> {
    const { options } = this.ctx
    if (!options.relay.enabled) return this.ctx.reject(client, 'relay-disabled', 'this server does not relay')
    const frame = decodeRelayFrame(data)
    if (!frame) return this.ctx.reject(client, 'bad-message', 'malformed relay frame')
    const cid = cidFromDigest(frame.cidDigest)
    const { state } = options
    if (!(await state.isMember(frame.peer, cid)) || !(await state.isMember(client.id, cid)))
      return this.#error(client, frame, 'unknown-peer', GONE)
    if (!client.relay.withinBudget(data.length) || !this.#allowance.allows(client.address, data.length)) {
      return this.#error(client, frame, 'relay-budget', 'this connection or its address has used its relay budget')
    }
    const out = encodeRelayFrame({ ...frame, peer: client.id })
    const target = this.ctx.client(frame.peer)
    if (target) forward(client, target, out)
    else if (await state.route(frame.peer, out)) client.relay.charge(data.length)
    else return this.#error(client, frame, 'unknown-peer', GONE)
    this.#allowance.take(client.address, data.length)
    this.relayedBytes += data.length
    options.metrics?.relayedBytes.inc(data.length)
  }

  #error(client: Client, frame: RelayFrame, code: ErrorCode, message: string): void {
    this.ctx.options.metrics?.rejected.inc({ reason: code })
    const now = this.ctx.clock.now()
    const last = client.relayErrors.get(frame.peer) ?? -Infinity
    if (now - last < RELAY_ERROR_INTERVAL_MS) return
    if (client.relayErrors.size > 1000) client.relayErrors.clear()
    client.relayErrors.set(frame.peer, now)
    this.ctx.send(client, { type: 'error', code, message, ref: 'relay', peer: frame.peer })
  }
}
