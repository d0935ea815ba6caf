/** The ServerState contract against the memory state and RedisState on a real redis-server. */
import { afterAll, beforeAll } from 'vitest'
import { serverStateContract } from './state.contract.js'
import { MemoryState } from './memory.js'
import { RedisState } from './redis.js'
import { startRedis } from '../redis-fixture.js'

serverStateContract('memory', async () => ({ state: new MemoryState(), ttlMs: 0, dispose: async () => {} }))

let redis: { url: string; stop(): Promise<void> }
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

/** Short enough that the TTL case outlives it several times over. */
const REDIS_TTL_MS = 250

serverStateContract('Redis', async () => {
  const state = await RedisState.connect({ url: redis.url, ttlMs: REDIS_TTL_MS })
  return { state, ttlMs: REDIS_TTL_MS, dispose: () => state.close() }
})
