/** The pin messages: peers asking for drops to be kept, pin nodes' heartbeats and reports (../pins.ts keeps the books). */
import { tokenMatches } from '../access.js'
import type { Client, Handlers, HubContext } from '../hub-context.js'
import { PinRegistry, type PinRequest } from '../pins.js'
import type { Revocations } from './revoke.js'

export class PinHandler {
  readonly #registry: PinRegistry
  /** The last pin-status sent per CID, to tell watchers only of changes. */
  readonly #statusSent = new Map<string, string>()
  readonly handlers: Handlers<'pin' | 'pin-holdings' | 'pin-report'>

  constructor(
    private readonly ctx: HubContext,
    revocations: Revocations,
  ) {
    const { options } = ctx
    this.#registry = new PinRegistry(options.pin)
    const now = () => ctx.clock.now()
    this.handlers = {
      pin: async (client, message) => {
        if (await revocations.answerIfRevoked(client, message.cid)) return
        if (!(await options.state.isMember(client.id, message.cid))) {
          return ctx.reject(client, 'not-in-swarm', 'announce a drop before asking for it to be pinned', message.type)
        }
        this.#request(this.#registry.pin(message.cid, client.id, now()))
        this.#statusSent.delete(message.cid) // the new watcher hears the status now
        this.#notify(message.cid)
      },
      'pin-holdings': (client, message) => {
        if (!this.#registry.isNode(client.id) && !tokenMatches(message.token, options.pinToken)) {
          return ctx.reject(client, 'not-a-pin-node', 'pin nodes need this server’s pin token (--pin-token)', message.type)
        }
        this.#registry.holdings(client.id, message.pins, now())
        for (const pin of message.pins) this.#notify(pin.cid)
      },
      'pin-report': (client, message) => {
        if (!this.#registry.isNode(client.id)) return ctx.reject(client, 'not-a-pin-node', 'only pin nodes report on pins', message.type)
        const requests = this.#registry.report(client.id, message.cid, message.state, now())
        // null: the node neither holds nor was asked for this drop (a late report, or a hostile one): nothing changes.
        if (!requests) return
        this.#request(requests)
        this.#notify(message.cid)
      },
    }
  }

  get nodeCount(): number {
    return this.#registry.nodeCount
  }

  /** The periodic audit: forgets silent holdings and asks for copies where too few are left. */
  audit(): void {
    this.#request(this.#registry.audit(this.ctx.clock.now()))
    for (const cid of this.#statusSent.keys()) if (!this.#registry.watched(cid)) this.#statusSent.delete(cid)
  }

  /** The drop was revoked: no one keeps it. */
  forget(cid: string): void {
    this.#registry.forget(cid)
    this.#statusSent.delete(cid)
  }

  disconnected(client: Client): void {
    const wasNode = this.#registry.isNode(client.id)
    this.#registry.remove(client.id)
    if (wasNode) for (const cid of this.#statusSent.keys()) this.#notify(cid)
  }

  #request(requests: readonly PinRequest[]): void {
    for (const { node, cid, replicas } of requests) {
      const target = this.ctx.client(node)
      if (target) this.ctx.send(target, { type: 'pin-request', cid, replicas })
    }
  }

  /** Tells the peers watching a pinned drop how many copies exist, when that changed. */
  #notify(cid: string): void {
    const watchers = this.#registry.watchers(cid)
    if (watchers.length === 0) return
    const status = this.#registry.status(cid)
    const text = JSON.stringify(status)
    if (this.#statusSent.get(cid) === text) return
    this.#statusSent.set(cid, text)
    for (const peer of watchers) {
      const target = this.ctx.client(peer)
      if (target) this.ctx.send(target, { type: 'pin-status', ...status })
    }
  }
}
