/**
 * The signaling seam's promises (client.ts, protocol/signal.ts), as one suite
 * for the in-process hub and the real server: announce and lookup list the
 * swarm's members, signals, relay set-up and relay frames pass only between
 * two members of the same swarm, leave takes a peer out, and a valid tombstone is told to
 * every member while a bad one is refused; an owner's mirror list is kept and
 * given to whoever asks, a forged or older one refused.
 *
 * "Nothing arrived" is shown without waiting on a clock: the forbidden message
 * goes first, the sender then waits for the answer to its own lookup (so the
 * hub has handled it), and a permitted marker follows; the receiver's next
 * message must be the marker.
 */
import { describe, expect, it } from 'vitest'
import type { SignalEvents, SignalingClient } from './roles.js'
import { cidFromDigest, digestOfCid } from '../../../format/cid.js'
import { drop } from '../../../signal-server/tombstone.fixtures.js'
import { ed25519KeyPair, ownedDrop } from '../../../signal-server/mirror-list.fixtures.js'

export interface SignalingClients {
  /** Open clients (status 'open', peerId set), each on its own connection. */
  clients: SignalingClient[]
  dispose(): Promise<void>
}

const TEST_TIMEOUT_MS = 15_000
const SWARM_X = cidFromDigest(new Uint8Array(32).fill(1))
const SWARM_Y = cidFromDigest(new Uint8Array(32).fill(2))

/** The next `event` on `client` that `accept` takes. */
function next<K extends keyof SignalEvents>(
  client: SignalingClient,
  event: K,
  accept: (value: SignalEvents[K]) => boolean = () => true,
): Promise<SignalEvents[K]> {
  return new Promise((resolve) => {
    const listener = (value: SignalEvents[K]) => {
      if (!accept(value)) return
      client.events.off(event, listener)
      resolve(value)
    }
    client.events.on(event, listener)
  })
}

/** Announces and waits for the answer, so the hub has the member before anyone looks. */
async function join(client: SignalingClient, cid: string): Promise<string[]> {
  const answer = next(client, 'peers', (p) => p.cid === cid)
  client.announce(cid)
  return (await answer).peers
}

async function lookup(client: SignalingClient, cid: string): Promise<string[]> {
  const answer = next(client, 'peers', (p) => p.cid === cid)
  client.lookup(cid)
  return (await answer).peers
}

export function signalingContract(name: string, makeClients: (count: number) => Promise<SignalingClients>): void {
  describe(`signaling contract: ${name}`, () => {
    const withClients = (count: number, body: (clients: SignalingClient[]) => Promise<void>) => async () => {
      const made = await makeClients(count)
      try {
        await body(made.clients)
      } finally {
        await made.dispose()
      }
    }

    it(
      'lists the members of a swarm to a joining peer and to anyone who looks it up',
      withClients(3, async ([a, b, c]) => {
        expect(await join(a, SWARM_X)).toEqual([])
        expect(await join(b, SWARM_X)).toEqual([a.peerId])
        expect((await lookup(c, SWARM_X)).sort()).toEqual([a.peerId, b.peerId].sort())
        expect(await lookup(c, SWARM_Y)).toEqual([])
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'forwards signals between two members of a swarm only',
      withClients(3, async ([a, b, c]) => {
        await join(a, SWARM_X)
        await join(b, SWARM_X)
        await join(c, SWARM_Y)
        const atB = next(b, 'signal')
        a.signal(b.peerId!, SWARM_X, { type: 'offer', n: 1 })
        expect(await atB).toEqual({ from: a.peerId, cid: SWARM_X, data: { type: 'offer', n: 1 } })

        // From a non-member, and to a non-member: neither arrives.
        const bNext = next(b, 'signal')
        let cGot = 0
        c.events.on('signal', () => cGot++)
        c.signal(b.peerId!, SWARM_X, { type: 'offer', forged: true })
        await lookup(c, SWARM_Y)
        a.signal(c.peerId!, SWARM_X, { type: 'offer', stray: true })
        await lookup(a, SWARM_X)
        a.signal(b.peerId!, SWARM_X, { type: 'marker' })
        expect(await bNext).toEqual({ from: a.peerId, cid: SWARM_X, data: { type: 'marker' } })
        expect(cGot).toBe(0)
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'relays frames between two members of a swarm only, byte-exact',
      withClients(3, async ([a, b, c]) => {
        await join(a, SWARM_X)
        await join(b, SWARM_X)
        await join(c, SWARM_Y)
        const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff)
        const atB = next(b, 'relay')
        a.sendRelay(b.peerId!, digestOfCid(SWARM_X), payload)
        const got = await atB
        expect(got.from).toBe(a.peerId)
        expect(Array.from(got.cidDigest)).toEqual(Array.from(digestOfCid(SWARM_X)))
        expect(Buffer.from(got.frame).equals(Buffer.from(payload))).toBe(true)

        const bNext = next(b, 'relay')
        c.sendRelay(b.peerId!, digestOfCid(SWARM_X), Uint8Array.of(0xad))
        await lookup(c, SWARM_Y)
        a.sendRelay(b.peerId!, digestOfCid(SWARM_Y), Uint8Array.of(0xee))
        await lookup(a, SWARM_X)
        a.sendRelay(b.peerId!, digestOfCid(SWARM_X), Uint8Array.of(0x0f))
        expect(Array.from((await bNext).frame)).toEqual([0x0f])
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'passes relay-open and relay-close between two members only, and refuses a relay-open to or from a non-member with an error naming the peer',
      withClients(3, async ([a, b, c]) => {
        await join(a, SWARM_X)
        await join(b, SWARM_X)
        await join(c, SWARM_Y)
        const opened = next(b, 'relay-open')
        a.openRelay(b.peerId!, SWARM_X)
        expect(await opened).toEqual({ from: a.peerId, cid: SWARM_X })
        const closed = next(a, 'relay-close')
        b.closeRelay(a.peerId!, SWARM_X)
        expect(await closed).toEqual({ from: b.peerId, cid: SWARM_X })

        const bNext = next(b, 'relay-open')
        const toStranger = next(a, 'error')
        a.openRelay(c.peerId!, SWARM_X)
        expect(await toStranger).toMatchObject({ code: 'unknown-peer', ref: 'relay-open', peer: c.peerId })
        const fromStranger = next(c, 'error')
        c.openRelay(b.peerId!, SWARM_X)
        expect(await fromStranger).toMatchObject({ code: 'not-in-swarm', ref: 'relay-open', peer: b.peerId })
        a.openRelay(b.peerId!, SWARM_Y) // a is no member of Y: refused too
        await next(a, 'error')
        a.openRelay(b.peerId!, SWARM_X)
        expect(await bNext).toEqual({ from: a.peerId, cid: SWARM_X }) // the marker: nothing else reached b
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'takes a peer that leaves out of the swarm: no longer listed, no longer signalled',
      withClients(3, async ([a, b, c]) => {
        await join(a, SWARM_X)
        await join(b, SWARM_X)
        await join(a, SWARM_Y)
        await join(b, SWARM_Y)
        b.leave(SWARM_X)
        await lookup(b, SWARM_X) // the hub has handled the leave
        expect(await lookup(c, SWARM_X)).toEqual([a.peerId])
        const bNext = next(b, 'signal')
        a.signal(b.peerId!, SWARM_X, { type: 'offer', late: true })
        a.signal(b.peerId!, SWARM_Y, { type: 'marker' })
        expect(await bNext).toEqual({ from: a.peerId, cid: SWARM_Y, data: { type: 'marker' } })
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'tells every member of a swarm about a valid tombstone, and refuses a bad one',
      withClients(3, async ([a, b, c]) => {
        const good = drop({ metadataBytes: 100 })
        const other = drop({ metadataBytes: 100 })
        await join(a, good.cid)
        await join(b, good.cid)
        await join(a, other.cid)

        const refused = next(a, 'error')
        a.revoke(other.cid, good.secret, other.manifest)
        expect(await refused).toMatchObject({ code: 'bad-tombstone', ref: 'revoke' })

        const toldB = next(b, 'revoked')
        const toldA = next(a, 'revoked')
        a.revoke(good.cid, good.secret, good.manifest)
        expect(await toldB).toEqual({ cid: good.cid, secret: good.secret })
        expect(await toldA).toEqual({ cid: good.cid, secret: good.secret })
        // A latecomer hears it instead of a member list.
        const toldC = next(c, 'revoked')
        c.lookup(good.cid)
        expect(await toldC).toEqual({ cid: good.cid, secret: good.secret })
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'keeps the owner’s mirror list for whoever asks, and refuses a forged or older one',
      withClients(2, async ([owner, stranger]) => {
        const { manifest, cid, list } = ownedDrop({ metadataBytes: 100 })
        const none = next(stranger, 'mirrors', (m) => m.cid === cid)
        stranger.getMirrors(cid)
        expect(await none).toEqual({ cid, list: null })
        const signed = await list(2, ['https://m.example/'])
        const confirmed = next(owner, 'mirrors', (m) => m.cid === cid)
        owner.publishMirrors(cid, signed, manifest)
        expect(await confirmed).toEqual({ cid, list: signed })
        for (const bad of [await list(3, ['https://evil.example/'], ed25519KeyPair().sign), await list(1, [])]) {
          const refused = next(stranger, 'error', (e) => e.ref === 'mirrors-publish')
          stranger.publishMirrors(cid, bad, manifest)
          expect(await refused).toMatchObject({ code: 'bad-mirror-list' })
        }
        const answer = next(stranger, 'mirrors', (m) => m.cid === cid)
        stranger.getMirrors(cid)
        expect(await answer).toEqual({ cid, list: signed })
      }),
      TEST_TIMEOUT_MS,
    )
  })
}
