/**
 * The ServerState seam's promises (state.ts), as one suite for the memory
 * state and RedisState: members are added, sampled most useful first and
 * removed, also when many calls come in one turn (RedisState batches them); a live process's members outlast the TTL while a tombstone ends
 * with its own; a tombstone is never replaced; unshared tombstones are
 * bounded, oldest out first, and never push out the others; a mirror list is
 * replaced only by a newer one, ends with its TTL, and at most so many are
 * kept, the least recently published out first.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import type { ServerState } from './state.js'
import { cidFromDigest } from '../../format/cid.js'

export interface StateUnderTest {
  state: ServerState
  /** How long the state keeps entries without a refresh (RedisState's ttlMs); the memory state has none. */
  ttlMs: number
  dispose(): Promise<void>
}

const TEST_TIMEOUT_MS = 15_000
const MANY_SWARMS = 10
const newCid = () => cidFromDigest(new Uint8Array(randomBytes(32)))
const newSecret = () => randomBytes(32).toString('base64url')
/** Peer ids as the server makes them: 22 characters. */
const newPeer = () => randomBytes(16).toString('base64url').slice(0, 22)
const sorted = (peers: string[]) => [...peers].sort()

/** Waits until Date.now() moves on, so consecutive records have distinct times. */
async function nextMillisecond(): Promise<void> {
  const at = Date.now()
  await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(at), { timeout: 1_000, interval: 1 })
}

export function serverStateContract(name: string, makeState: () => Promise<StateUnderTest>): void {
  describe(`ServerState contract: ${name}`, () => {
    const withState = (body: (made: StateUnderTest) => Promise<void>) => async () => {
      const made = await makeState()
      try {
        await body(made)
      } finally {
        await made.dispose()
      }
    }

    it(
      'adds members, samples them without the asker, and removes them on leave and drop',
      withState(async ({ state }) => {
        const [x, y] = [newCid(), newCid()]
        const [a, b, c] = [newPeer(), newPeer(), newPeer()]
        for (const p of [a, b, c]) await state.connect(p)
        for (const p of [a, b, c]) expect(await state.join(p, x, false, MANY_SWARMS)).toBe(true)
        expect(await state.join(c, y, false, MANY_SWARMS)).toBe(true)
        expect(sorted(await state.sample(x, a, 10))).toEqual(sorted([b, c]))
        expect(await state.sample(x, a, 1)).toHaveLength(1)
        expect(await state.isMember(b, x)).toBe(true)
        expect(await state.isMember(b, y)).toBe(false)

        await state.leave(b, x)
        expect(await state.isMember(b, x)).toBe(false)
        expect(sorted(await state.sample(x, a, 10))).toEqual([c])

        await state.drop(c)
        expect(await state.isMember(c, x)).toBe(false)
        expect(await state.isMember(c, y)).toBe(false)
        expect(await state.sample(x, a, 10)).toEqual([])
        expect(await state.sample(y, a, 10)).toEqual([])
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'answers many calls made in one turn each on its own: joins, samples, membership and tombstones',
      withState(async ({ state }) => {
        const cids = [newCid(), newCid(), newCid()]
        const peers = Array.from({ length: 30 }, newPeer)
        await Promise.all(peers.map((p) => state.connect(p)))
        // Peer i joins swarm i % 3, complete when i % 5 == 4 (never the askers, 0 to 2); all in one turn.
        const joined = await Promise.all(peers.map((p, i) => state.join(p, cids[i % 3], i % 5 === 4, MANY_SWARMS)))
        expect(joined.every(Boolean)).toBe(true)
        const membersOf = (c: number) => peers.filter((_, i) => i % 3 === c)
        const [samples, membership, stranger] = await Promise.all([
          Promise.all(cids.map((cid, c) => state.sample(cid, membersOf(c)[0], 100))),
          Promise.all(
            peers.map((p, i) => Promise.all(cids.map((cid) => state.isMember(p, cid).then((m) => [m, i % 3 === cids.indexOf(cid)])))),
          ),
          state.isMember(newPeer(), cids[0]),
        ])
        expect(samples.map(sorted)).toEqual(cids.map((_, c) => sorted(membersOf(c).slice(1))))
        // The asker (peer c, of swarm c) lacks pieces: the complete ones of its swarm come first.
        samples.forEach((sample, c) => {
          const seeds = membersOf(c).filter((p) => peers.indexOf(p) % 5 === 4)
          expect(sorted(sample.slice(0, seeds.length))).toEqual(sorted(seeds))
        })
        for (const row of membership) for (const [member, expected] of row) expect(member).toBe(expected)
        expect(stranger).toBe(false)

        const secrets = cids.map(newSecret)
        await Promise.all(cids.slice(0, 2).map((cid, i) => state.revoke(cid, secrets[i], 60_000, { revoker: peers[i], maxUnshared: 10 })))
        expect(await Promise.all(cids.map((cid) => state.tombstone(cid)))).toEqual([secrets[0], secrets[1], undefined])
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'tracks an announce or lookup in one step: joins and samples, answers a revoked CID with its tombstone and never joins it',
      withState(async ({ state }) => {
        const [open, revoked] = [newCid(), newCid()]
        const [seed, asker, looker, revoker] = [newPeer(), newPeer(), newPeer(), newPeer()]
        for (const p of [seed, asker, looker, revoker]) await state.connect(p)
        expect(await state.track(seed, open, { complete: true, maxSwarms: MANY_SWARMS }, 10)).toEqual({ peers: [] })
        const secret = newSecret()
        await state.revoke(revoked, secret, 60_000, { revoker, maxUnshared: 10 })
        // All in one turn: an announce, a lookup, and both kinds for the revoked CID.
        const [announced, looked, announcedRevoked, lookedRevoked] = await Promise.all([
          state.track(asker, open, { complete: false, maxSwarms: MANY_SWARMS }, 10),
          state.track(looker, open, null, 10),
          state.track(asker, revoked, { complete: false, maxSwarms: MANY_SWARMS }, 10),
          state.track(looker, revoked, null, 10),
        ])
        expect(announced).toEqual({ peers: [seed] })
        expect(announcedRevoked).toEqual({ revoked: secret })
        expect(lookedRevoked).toEqual({ revoked: secret })
        // The lookup ran with the announce: it may or may not see the asker, but never itself.
        expect('peers' in looked && looked.peers.includes(seed) && !looked.peers.includes(looker)).toBe(true)
        expect(await state.isMember(asker, open)).toBe(true)
        expect(await state.isMember(looker, open)).toBe(false)
        expect(await state.isMember(asker, revoked)).toBe(false)
        expect(sorted(await state.sample(open, looker, 10))).toEqual(sorted([seed, asker]))
        // The complete flag is kept: for the seed, only the one lacking pieces is useful.
        expect(await state.track(seed, open, null, 10)).toEqual({ peers: [asker] })
        // The revoked CID held no room in the asker's cap: a second swarm still fits under two.
        expect(await state.track(asker, newCid(), { complete: false, maxSwarms: 2 }, 10)).toEqual({ peers: [] })
        expect(await state.track(asker, newCid(), { complete: false, maxSwarms: 2 }, 10)).toEqual({ tooManySwarms: true })
        expect(await state.track(asker, revoked, { complete: false, maxSwarms: 2 }, 10)).toEqual({ revoked: secret })
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'refuses a join past maxSwarms, but a member may update its own swarm',
      withState(async ({ state }) => {
        const peer = newPeer()
        await state.connect(peer)
        const [x, y, z] = [newCid(), newCid(), newCid()]
        expect(await state.join(peer, x, false, 2)).toBe(true)
        expect(await state.join(peer, y, false, 2)).toBe(true)
        expect(await state.join(peer, z, false, 2)).toBe(false)
        expect(await state.isMember(peer, z)).toBe(false)
        expect(await state.join(peer, y, true, 2)).toBe(true)
        await state.leave(peer, x)
        expect(await state.join(peer, z, false, 2)).toBe(true)
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'samples the most useful first: complete members for one who lacks pieces, only incomplete ones for a seed',
      withState(async ({ state }) => {
        const cid = newCid()
        const seeds = [newPeer(), newPeer()]
        const leechers = [newPeer(), newPeer(), newPeer()]
        for (const p of [...seeds, ...leechers]) await state.connect(p)
        for (const p of seeds) await state.join(p, cid, true, MANY_SWARMS)
        for (const p of leechers) await state.join(p, cid, false, MANY_SWARMS)

        const forLeecher = await state.sample(cid, leechers[0], 10)
        expect(sorted(forLeecher.slice(0, 2))).toEqual(sorted(seeds))
        expect(sorted(forLeecher.slice(2))).toEqual(sorted(leechers.slice(1)))
        expect(sorted(await state.sample(cid, leechers[0], 2))).toEqual(sorted(seeds))
        expect(sorted(await state.sample(cid, seeds[0], 10))).toEqual(sorted(leechers))
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'keeps a live process’s members past the TTL, and ends a tombstone with its own TTL',
      withState(async ({ state, ttlMs }) => {
        const [swarm, revoked] = [newCid(), newCid()]
        const [peer, revoker] = [newPeer(), newPeer()]
        for (const p of [peer, revoker]) await state.connect(p)
        await state.join(peer, swarm, false, MANY_SWARMS)
        const secret = newSecret()
        const tombstoneTtl = Math.max(2 * ttlMs, 300)
        const since = Date.now()
        await state.revoke(revoked, secret, tombstoneTtl, { revoker, maxUnshared: 10 })
        expect(await state.tombstone(revoked)).toBe(secret)
        await vi.waitFor(async () => expect(await state.tombstone(revoked)).toBeUndefined(), { timeout: 10_000, interval: 25 })
        expect(Date.now() - since).toBeGreaterThanOrEqual(tombstoneTtl)
        // Longer than the state's TTL has passed: a peer that is still connected is still a member.
        expect(await state.isMember(peer, swarm)).toBe(true)
        expect(await state.sample(swarm, revoker, 10)).toEqual([peer])
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'never replaces a tombstone, and forgets the revoked swarm',
      withState(async ({ state }) => {
        const cid = newCid()
        const [a, b] = [newPeer(), newPeer()]
        for (const p of [a, b]) {
          await state.connect(p)
          await state.join(p, cid, false, MANY_SWARMS)
        }
        const first = newSecret()
        const result = await state.revoke(cid, first, 60_000, { revoker: a, maxUnshared: 10 })
        expect({ ...result, members: sorted(result.members) }).toEqual({ secret: first, recorded: true, members: sorted([a, b]) })
        expect(await state.isMember(b, cid)).toBe(false)
        expect(await state.sample(cid, a, 10)).toEqual([])

        const again = await state.revoke(cid, newSecret(), 60_000, { revoker: b, maxUnshared: 10 })
        expect(again).toEqual({ secret: first, recorded: false, members: [] })
        expect(await state.tombstone(cid)).toBe(first)
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'keeps at most maxUnshared tombstones of drops no one else was in, oldest out first, and never at the cost of the others',
      withState(async ({ state }) => {
        const [revoker, other] = [newPeer(), newPeer()]
        for (const p of [revoker, other]) await state.connect(p)
        const shared = newCid()
        await state.join(revoker, shared, false, MANY_SWARMS)
        await state.join(other, shared, false, MANY_SWARMS)
        const sharedSecret = newSecret()
        await state.revoke(shared, sharedSecret, 60_000, { revoker, maxUnshared: 3 })

        const unshared: { cid: string; secret: string }[] = []
        for (let i = 0; i < 5; i++) {
          const entry = { cid: newCid(), secret: newSecret() }
          // Half of them had the revoker as their only member, half no member at all.
          if (i % 2 === 0) await state.join(revoker, entry.cid, false, MANY_SWARMS)
          await nextMillisecond()
          expect((await state.revoke(entry.cid, entry.secret, 60_000, { revoker, maxUnshared: 3 })).recorded).toBe(true)
          unshared.push(entry)
        }
        const kept = await Promise.all(unshared.map((e) => state.tombstone(e.cid)))
        expect(kept).toEqual([undefined, undefined, ...unshared.slice(2).map((e) => e.secret)])
        expect(await state.tombstone(shared)).toBe(sharedSecret)
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'keeps a mirror list only when it is newer than the one kept, and answers with the one kept',
      withState(async ({ state }) => {
        const [cid, other] = [newCid(), newCid()]
        const limits = { maxLists: 10 }
        expect(await state.mirrorList(cid)).toBeUndefined()
        expect(await state.publishMirrorList(cid, 5, 'listFive', 60_000, limits)).toEqual({ recorded: true, list: 'listFive', seq: 5 })
        // The same seq or a lower one (a stranger replaying an older list, or a second process racing) changes nothing.
        const [same, lower] = await Promise.all([
          state.publishMirrorList(cid, 5, 'otherFive', 60_000, limits),
          state.publishMirrorList(cid, 4, 'listFour', 60_000, limits),
        ])
        expect([same, lower]).toEqual([
          { recorded: false, list: 'listFive', seq: 5 },
          { recorded: false, list: 'listFive', seq: 5 },
        ])
        const big = Number.MAX_SAFE_INTEGER
        expect(await state.publishMirrorList(cid, big, 'listBig', 60_000, limits)).toEqual({ recorded: true, list: 'listBig', seq: big })
        expect(await state.publishMirrorList(cid, big - 1, 'listLess', 60_000, limits)).toMatchObject({ recorded: false, seq: big })
        expect(await state.mirrorList(cid)).toBe('listBig')
        expect(await state.mirrorList(other)).toBeUndefined()
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'ends a mirror list with its TTL',
      withState(async ({ state, ttlMs }) => {
        const cid = newCid()
        const ttl = Math.max(2 * ttlMs, 300)
        const since = Date.now()
        await state.publishMirrorList(cid, 1, 'list', ttl, { maxLists: 10 })
        expect(await state.mirrorList(cid)).toBe('list')
        await vi.waitFor(async () => expect(await state.mirrorList(cid)).toBeUndefined(), { timeout: 10_000, interval: 25 })
        expect(Date.now() - since).toBeGreaterThanOrEqual(ttl)
        // Forgotten means forgotten: any list may be kept again.
        expect((await state.publishMirrorList(cid, 1, 'again', 60_000, { maxLists: 10 })).recorded).toBe(true)
      }),
      TEST_TIMEOUT_MS,
    )

    it(
      'keeps at most maxLists mirror lists, the least recently published out first',
      withState(async ({ state }) => {
        const [a, b, c, d] = [newCid(), newCid(), newCid(), newCid()]
        const limits = { maxLists: 3 }
        for (const cid of [a, b, c]) {
          await nextMillisecond()
          await state.publishMirrorList(cid, 1, `list-${cid}`, 60_000, limits)
        }
        await nextMillisecond()
        await state.publishMirrorList(a, 2, 'a-again', 60_000, limits) // a is the newest now
        await nextMillisecond()
        await state.publishMirrorList(d, 1, `list-${d}`, 60_000, limits)
        expect(await Promise.all([a, b, c, d].map((cid) => state.mirrorList(cid)))).toEqual([
          'a-again',
          undefined,
          `list-${c}`,
          `list-${d}`,
        ])
      }),
      TEST_TIMEOUT_MS,
    )
  })
}
