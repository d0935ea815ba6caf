/** Engines for tests: memory links negotiated through an in-process hub, closed after each test. */
import { afterEach } from 'vitest'
import { Engine } from './engine.js'
import type { MemorySignalingHub } from './signaling/memory-hub.js'
import { type MemoryDialOptions, memoryDialer } from './transport/memory-dial.js'
import { memoryStore } from './storage/memory-store.js'
import type { ChunkStore } from './storage/chunk-store.js'
import { type LibraryStore, memoryLibrary } from './library/library-store.js'
import { webCryptoProvider } from './crypto/provider.js'
import type { SpaceCheck } from './drop.js'
import { type Clock, realClock } from './util/clock.js'

export const crypto = webCryptoProvider()

export interface TestEngineOptions {
  store?: ChunkStore
  library?: LibraryStore
  link?: MemoryDialOptions
  /** Real timers reading this time (what a wrong system clock looks like); `clock` for a whole fake clock. */
  now?: () => number
  clock?: Clock
  checkSpace?: SpaceCheck
}

export function useEngines(): (hub: MemorySignalingHub, options?: TestEngineOptions) => Engine {
  const engines: Engine[] = []
  afterEach(() => engines.splice(0).forEach((e) => e.close()))
  return (hub, options = {}) => {
    const signaling = hub.client()
    const e = new Engine({
      store: options.store ?? memoryStore(),
      library: options.library ?? memoryLibrary(),
      crypto,
      signaling,
      dial: memoryDialer(() => signaling.peerId, options.link),
      lookupIntervalMs: 100,
      connectTimeoutMs: 2_000,
      clock: options.clock ?? (options.now ? { ...realClock, now: options.now } : realClock),
      checkSpace: options.checkSpace,
    })
    engines.push(e)
    return e
  }
}
