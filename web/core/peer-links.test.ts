/**
 * PeerLinks against the in-process hub and memory dials: two peers that dial
 * each other at once still connect directly, a peer with no room says so at
 * once, and a peer dials only half its slots, keeping the rest for peers
 * that dial it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { PeerLinks } from './peer-links.js'
import { Drop } from './drop.js'
import { MemorySignalingHub } from './signaling/memory-hub.js'
import type { SignalingClient } from './signaling/roles.js'
import { memoryDialer } from './transport/memory-dial.js'
import { memoryStore } from './storage/memory-store.js'
import { webCryptoProvider } from './crypto/provider.js'
import { type Cid, cidFromDigest } from '../../format/cid.js'
import { realClock } from './util/clock.js'

const CID = cidFromDigest(new Uint8Array(32).fill(7)) as Cid
/** Longer than any wait here: a test that passes only thanks to the relay or a timeout fails. */
const SLOW_MS = 60_000

const closers: (() => void)[] = []
afterEach(() => closers.splice(0).forEach((close) => close()))

/** A peer in the CID's swarm: its signaling client, peer links and (blind) drop; `offers` counts offers it received. */
async function peer(hub: MemorySignalingHub, maxPeersPerSwarm = 24) {
  const signaling: SignalingClient = hub.client()
  await new Promise<void>((resolve) => signaling.events.on('status', (s) => s === 'open' && resolve()))
  const drop = new Drop({ cid: CID, role: 'downloading', crypto: webCryptoProvider(), store: memoryStore(), keys: null })
  const links = new PeerLinks({
    signaling,
    dial: memoryDialer(() => signaling.peerId),
    drops: new Map([[CID, drop]]),
    maxPeersPerSwarm,
    maxConnections: 120,
    connectTimeoutMs: SLOW_MS,
    clock: realClock,
  })
  const offers: string[] = []
  signaling.events.on('signal', ({ from, data }) => data.type === 'offer' && offers.push(from))
  closers.push(() => {
    links.close()
    drop.stop()
    signaling.close()
  })
  return { id: signaling.peerId!, signaling, drop, links, offers }
}

describe('peer links', () => {
  it('two peers that look each other up at once connect directly: the lower id’s offer wins', async () => {
    const hub = new MemorySignalingHub({ enabled: true, afterMs: SLOW_MS })
    const [a, b] = await Promise.all([peer(hub), peer(hub)])
    a.signaling.announce(CID)
    b.signaling.announce(CID)
    // Both ask in the same turn: each hears of the other and dials it.
    a.signaling.lookup(CID)
    b.signaling.lookup(CID)
    await expect.poll(() => a.drop.swarm.hasPeer(b.id) && b.drop.swarm.hasPeer(a.id)).toBe(true)
    expect(a.offers.length + b.offers.length).toBe(2) // both did offer: the glare happened
    expect(a.drop.swarm.peers()[0].kind).toBe('memory')
    expect(hub.relayedBytes).toBe(0)
  })

  it('a peer with no room answers an offer at once, and the dialer may try again', async () => {
    const hub = new MemorySignalingHub({ enabled: true, afterMs: SLOW_MS })
    const full = await peer(hub, 1)
    const others = await Promise.all([peer(hub), peer(hub)])
    for (const p of [full, ...others]) p.signaling.announce(CID)
    others[0].signaling.lookup(CID)
    await expect.poll(() => full.drop.swarm.peerCount).toBe(1)
    // The second dialer is refused; without an answer its dial would hold a slot for the connect timeout.
    const [, late] = others
    late.signaling.lookup(CID)
    await expect.poll(() => full.offers.filter((id) => id === late.id).length).toBe(1)
    late.signaling.lookup(CID)
    await expect.poll(() => full.offers.filter((id) => id === late.id).length).toBe(2)
    expect(full.drop.swarm.hasPeer(late.id)).toBe(false)
    expect(hub.relayedBytes).toBe(0)
  })

  it('dials only half its slots and accepts peers that dial it up to the limit', async () => {
    const hub = new MemorySignalingHub({ enabled: true, afterMs: SLOW_MS })
    const me = await peer(hub, 4)
    const crowd = await Promise.all(Array.from({ length: 6 }, () => peer(hub)))
    for (const p of crowd) p.signaling.announce(CID)
    me.signaling.announce(CID) // answered with the six others
    await expect.poll(() => me.drop.swarm.peerCount).toBe(2)
    expect(crowd.reduce((n, p) => n + p.offers.filter((id) => id === me.id).length, 0)).toBe(2)
    expect(me.links.wantsPeers(me.drop)).toBe(false)
    // Others dial me: two more fit, the rest are refused.
    for (const p of crowd) p.signaling.lookup(CID)
    await expect.poll(() => me.drop.swarm.peerCount).toBe(4)
    await expect.poll(() => me.offers.length).toBeGreaterThanOrEqual(4)
    expect(me.drop.swarm.peerCount).toBe(4)
  })
})
