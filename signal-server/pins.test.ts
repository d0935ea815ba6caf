import { describe, expect, it } from 'vitest'
import { PinRegistry } from './pins.js'
import { type TestClient, connectClient, useTestServers } from './test-client.js'
import { cidFromDigest } from '../format/cid.js'

const CID = cidFromDigest(new Uint8Array(32).fill(42))
const OTHER = cidFromDigest(new Uint8Array(32).fill(43))

describe('pin registry', () => {
  const registry = (replicas = 2) => new PinRegistry({ replicas, heartbeatMs: 1000, random: () => 0.5 })

  it('asks the least loaded nodes for the goal, counts holders, and re-replicates when one goes', () => {
    const pins = registry()
    pins.holdings('n1', [{ cid: OTHER, replicas: 1, complete: true }], 0)
    pins.holdings('n2', [], 0)
    pins.holdings('n3', [], 0)
    const asked = pins.pin(CID, 'watcher', 0).map((r) => r.node)
    expect(asked.sort()).toEqual(['n2', 'n3']) // n1 already holds something
    expect(pins.pin(CID, 'watcher', 1)).toEqual([]) // asked ones count until they report
    pins.holdings('n2', [{ cid: CID, replicas: 2, complete: true }], 10)
    pins.holdings('n3', [{ cid: CID, replicas: 2, complete: false }], 10)
    expect(pins.status(CID)).toEqual({ cid: CID, nodes: 3, holders: 2, complete: 1, replicas: 2 })
    pins.remove('n2')
    expect(pins.audit(20)).toEqual([{ node: 'n1', cid: CID, replicas: 2 }])
  })

  it('forgets nodes silent for three heartbeats, and tries another node after a refusal', () => {
    const pins = registry(1)
    pins.holdings('n1', [{ cid: CID, replicas: 1, complete: true }], 0)
    pins.holdings('n2', [], 0)
    expect(pins.audit(2_000)).toEqual([])
    pins.holdings('n2', [], 2_500) // n2 keeps reporting, n1 falls silent
    expect(pins.audit(3_500)).toEqual([{ node: 'n2', cid: CID, replicas: 1 }])
    expect(pins.report('n2', CID, 'refused', 3_600)).toEqual([]) // nobody else to ask
    expect(pins.status(CID).holders).toBe(0)
  })

  it('forgets a pin nobody watches or holds after a grace period', () => {
    const pins = registry(1)
    pins.pin(CID, 'page', 0) // no pin nodes yet
    pins.remove('page') // the page closed
    for (let t = 0; t <= 9 * 60_000; t += 60_000) {
      pins.holdings('n1', [], t) // a node that stays alive and is free
      if (t === 9 * 60_000)
        expect(pins.audit(t)).toEqual([{ node: 'n1', cid: CID, replicas: 1 }]) // still wanted within the grace
      else pins.audit(t)
      if (t === 9 * 60_000) pins.report('n1', CID, 'refused', t) // it could not find it
    }
    pins.holdings('n1', [], 11 * 60_000)
    expect(pins.audit(11 * 60_000)).toEqual([])
    expect(pins.audit(22 * 60_000 - 1)).toEqual([]) // forgotten: not asked again
  })

  it('ends a pin that a node dropped (expired, too old) or that was revoked', () => {
    const pins = registry(1)
    pins.holdings('n1', [], 0)
    pins.holdings('n2', [], 0)
    const [{ node }] = pins.pin(CID, 'w', 0)
    expect(pins.report(node, CID, 'dropped', 1)).toEqual([])
    expect(pins.audit(2)).toEqual([])
    expect(pins.status(CID)).toMatchObject({ holders: 0, complete: 0 })
    pins.forget(CID) // revoked
    expect(pins.watchers(CID)).toEqual([])
  })
})

describe('pinning through the server', () => {
  const { start, sockets } = useTestServers()

  it('sends pin requests to pin nodes and pin-status to the watcher as copies complete; replaces a node that left', async () => {
    const server = await start({ pinReplicas: 2, pinHeartbeatMs: 200, pinToken: 'tok' })
    const nodes = [await connectClient(server, sockets), await connectClient(server, sockets), await connectClient(server, sockets)]
    expect(nodes[0].welcome.pin).toEqual({ replicas: 2, heartbeatMs: 200 })
    nodes[2].send({ type: 'pin-holdings', pins: [{ cid: OTHER, replicas: 1, complete: true }], token: 'tok' }) // busier: asked last
    for (const n of nodes.slice(0, 2)) n.send({ type: 'pin-holdings', pins: [], token: 'tok' })
    // Each connection's messages are handled on their own: wait until all three are registered before asking.
    await expect.poll(() => server.hub.pinNodeCount).toBe(3)
    const app = await connectClient(server, sockets)
    app.send({ type: 'pin', cid: CID })
    expect(await app.next()).toMatchObject({ type: 'error', code: 'not-in-swarm' }) // only members may ask
    app.send({ type: 'announce', cid: CID })
    await app.next()
    app.send({ type: 'pin', cid: CID })
    expect(await nodes[0].next()).toEqual({ type: 'pin-request', cid: CID, replicas: 2 })
    expect(await nodes[1].next()).toEqual({ type: 'pin-request', cid: CID, replicas: 2 })
    expect(await app.next()).toEqual({ type: 'pin-status', cid: CID, nodes: 3, holders: 0, complete: 0, replicas: 2 })
    nodes[0].send({ type: 'pin-holdings', pins: [{ cid: CID, replicas: 2, complete: true }] })
    expect(await app.next()).toMatchObject({ type: 'pin-status', holders: 1, complete: 1 })
    nodes[1].send({ type: 'pin-holdings', pins: [{ cid: CID, replicas: 2, complete: true }] })
    expect(await app.next()).toMatchObject({ type: 'pin-status', holders: 2, complete: 2 })
    nodes[1].ws.terminate()
    expect(await app.next()).toMatchObject({ type: 'pin-status', nodes: 2, holders: 1, complete: 1 })
    expect(await nodes[2].next()).toEqual({ type: 'pin-request', cid: CID, replicas: 2 }) // the audit
  })

  it('rejects pin nodes without the token, and malformed pin messages', async () => {
    const server = await start({ pinToken: 'tok' })
    const c = await connectClient(server, sockets)
    for (const token of [undefined, '', 'tok2', 'to']) {
      c.send({ type: 'pin-holdings', pins: [], token })
      expect(await c.next()).toMatchObject({ type: 'error', code: 'not-a-pin-node' })
    }
    expect(server.hub.pinNodeCount).toBe(0)
    for (const bad of [
      { type: 'pin', cid: 'x' },
      { type: 'pin-holdings', pins: 'all' },
      { type: 'pin-holdings', pins: Array.from({ length: 501 }, () => ({ cid: CID, replicas: 1 })) },
      { type: 'pin-holdings', pins: [{ cid: CID, replicas: 99 }] },
      { type: 'pin-report', cid: CID, state: 'gone' },
    ]) {
      c.send(bad)
      expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-message' })
    }
  })

  /** One pin node holding CID for a watching page, and a spare node that a lost copy should move to. */
  async function pinnedOnOneNode() {
    const server = await start({ pinReplicas: 1, pinHeartbeatMs: 300, pinToken: 'tok' })
    const holder = await connectClient(server, sockets)
    const spare = await connectClient(server, sockets)
    holder.send({ type: 'pin-holdings', pins: [], token: 'tok' })
    spare.send({ type: 'pin-holdings', pins: [{ cid: OTHER, replicas: 1, complete: true }], token: 'tok' }) // busier: not asked first
    await expect.poll(() => server.hub.pinNodeCount).toBe(2)
    const app = await connectClient(server, sockets)
    app.send({ type: 'announce', cid: CID })
    await app.next()
    app.send({ type: 'pin', cid: CID })
    expect(await holder.next()).toEqual({ type: 'pin-request', cid: CID, replicas: 1 })
    expect(await app.next()).toMatchObject({ type: 'pin-status', holders: 0, complete: 0 })
    holder.send({ type: 'pin-holdings', pins: [{ cid: CID, replicas: 1, complete: true }] })
    expect(await app.next()).toMatchObject({ type: 'pin-status', holders: 1, complete: 1 })
    return { server, holder, spare, app }
  }

  async function holderDiesAndSpareIsAsked(holder: TestClient, spare: TestClient) {
    spare.send({ type: 'pin-holdings', pins: [{ cid: OTHER, replicas: 1, complete: true }] }) // still alive
    holder.ws.terminate()
    expect(await spare.next()).toEqual({ type: 'pin-request', cid: CID, replicas: 1 })
  }

  it('refuses a pin report from a connection that is not a pin node, so replication goes on', async () => {
    const { server, holder, spare } = await pinnedOnOneNode()
    const stranger = await connectClient(server, sockets)
    stranger.send({ type: 'pin-report', cid: CID, state: 'dropped', reason: 'cancel it' })
    expect(await stranger.next()).toMatchObject({ type: 'error', code: 'not-a-pin-node', ref: 'pin-report' })
    await holderDiesAndSpareIsAsked(holder, spare)
  })

  it('ignores a pin node’s report about a drop it neither holds nor was asked for', async () => {
    const { holder, spare } = await pinnedOnOneNode()
    spare.send({ type: 'pin-report', cid: CID, state: 'dropped', reason: 'cancel it' })
    await holderDiesAndSpareIsAsked(holder, spare)
  })
})
