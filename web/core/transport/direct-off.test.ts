/**
 * A peer that makes no direct connections (the CLI's --relay-only, a browser
 * without WebRTC) goes through the relay at once, in both roles: the relay
 * deadline and the connect timeout here are a minute, three times the test's
 * timeout, so waiting for either fails the test.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../engine.js'
import { MemorySignalingHub } from '../signaling/memory-hub.js'
import { memoryStore } from '../storage/memory-store.js'
import { memoryLibrary } from '../library/library-store.js'
import { webCryptoProvider } from '../crypto/provider.js'
import { bytesSource } from '../chunking/source.js'
import { parseLink } from '../content/link.js'
import { fileBytes, once } from '../drop.fixtures.js'
import { pseudoRandomBytes } from '../util/random.js'
import { toHex } from '../util/bytes.js'
import { memoryDialer } from './memory-dial.js'
import { refuseDirect } from './direct-off.js'
import type { DialFn } from './transport.js'

const PIECE = 64 * 1024
const MINUTE = 60_000
const TEST_TIMEOUT = 20_000
const crypto = webCryptoProvider()
const engines: Engine[] = []
afterEach(() => engines.splice(0).forEach((e) => e.close()))

function engine(hub: MemorySignalingHub, direct: boolean) {
  const signaling = hub.client()
  const signals: string[] = []
  signaling.events.on('signal', ({ data }) => signals.push(String(data.type)))
  signaling.events.on('relay-open', () => signals.push('relay-open'))
  const dial: DialFn = direct ? memoryDialer(() => signaling.peerId) : refuseDirect('test')
  const e = new Engine({ store: memoryStore(), library: memoryLibrary(), crypto, signaling, dial, connectTimeoutMs: MINUTE })
  engines.push(e)
  return { engine: e, signals }
}

async function transfer(hub: MemorySignalingHub, sharerDirect: boolean, getterDirect: boolean) {
  const content = pseudoRandomBytes(12 * (PIECE - 16), 31)
  const sharer = engine(hub, sharerDirect)
  const getter = engine(hub, getterDirect)
  const { fragment } = await sharer.engine.share([bytesSource('r.bin', content)], { pieceSize: PIECE })
  const t = await getter.engine.open(parseLink(fragment))
  await once(t, 'complete')
  expect(toHex(await crypto.sha256(await fileBytes(t)))).toBe(toHex(await crypto.sha256(content)))
  expect(t.state.peers.map((p) => p.kind)).toEqual(['relay'])
  return { sharer, getter }
}

describe('a peer without direct connections', () => {
  it(
    'downloads through the relay at once, without waiting for the relay deadline',
    async () => {
      const hub = new MemorySignalingHub({ enabled: true, afterMs: MINUTE })
      const { sharer } = await transfer(hub, true, false)
      expect(sharer.signals).toEqual(['relay-open']) // asked for the relay straight away, never offered WebRTC
    },
    TEST_TIMEOUT,
  )

  it(
    'seeds through the relay at once: its refusal ends the dialer’s direct attempt',
    async () => {
      const hub = new MemorySignalingHub({ enabled: true, afterMs: MINUTE })
      const { sharer, getter } = await transfer(hub, false, true)
      expect(getter.signals).toEqual(['direct-refused'])
      expect(sharer.signals[0]).toBe('offer')
      expect(sharer.signals).toContain('relay-open')
    },
    TEST_TIMEOUT,
  )

  it(
    'relays to another such peer, both ways round',
    async () => {
      const hub = new MemorySignalingHub({ enabled: true, afterMs: MINUTE })
      await transfer(hub, false, false)
    },
    TEST_TIMEOUT,
  )
})
