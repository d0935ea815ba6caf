/**
 * The Lua scripts RedisState runs, each over a batch of one turn's calls (see
 * batch.ts): one EVALSHA instead of several commands per call. Keys as in
 * redis.ts; the scripts build them from their arguments (one Redis, no cluster).
 */

/** ARGV: now ms, then (peer, cid) pairs. Returns 1 or 0 each: a member whose entry has not expired. */
export const ARE_MEMBERS = `
local now, out = tonumber(ARGV[1]), {}
for i = 2, #ARGV, 2 do
  local expiry = redis.call('ZSCORE', 'sd:swarm:' .. ARGV[i + 1], ARGV[i])
  out[#out + 1] = (expiry and tonumber(expiry) > now) and 1 or 0
end
return out
`

/**
 * ARGV: this process's id, now ms, then (peer, cid or '', frame) triples.
 * Looks up each peer's process (when a cid is given, only if the peer is a
 * member of that swarm whose entry has not expired) and publishes every frame
 * for one process in one payload. Returns 1 or 0 each: whether a process
 * (another one) that subscribes has it.
 */
export const ROUTE = `
local self, now, nodes, frames, slots, out = ARGV[1], tonumber(ARGV[2]), {}, {}, {}, {}
for i = 3, #ARGV, 3 do
  local k = i / 3
  out[k] = 0
  local node = false
  if ARGV[i + 1] == '' then
    node = redis.call('GET', 'sd:peer:' .. ARGV[i])
  else
    local expiry = redis.call('ZSCORE', 'sd:swarm:' .. ARGV[i + 1], ARGV[i])
    if expiry and tonumber(expiry) > now then node = redis.call('GET', 'sd:peer:' .. ARGV[i]) end
  end
  if node and node ~= self then
    if not frames[node] then
      frames[node], slots[node] = {}, {}
      nodes[#nodes + 1] = node
    end
    table.insert(frames[node], ARGV[i + 2])
    table.insert(slots[node], k)
  end
end
for _, node in ipairs(nodes) do
  if redis.call('PUBLISH', 'sd:node:' .. node, table.concat(frames[node])) > 0 then
    for _, k in ipairs(slots[node]) do out[k] = 1 end
  end
end
return out
`

/** Adds a member, or refreshes it, with its expiry (ms) and whether it is complete ('1' or '0'). */
const JOIN_ONE = `
local function join(ttl, peer, cid, complete, expiry)
  redis.call('ZADD', 'sd:swarm:' .. cid, expiry, peer)
  redis.call('PEXPIRE', 'sd:swarm:' .. cid, ttl * 2)
  redis.call('HSET', 'sd:seed:' .. cid, peer, complete)
  redis.call('PEXPIRE', 'sd:seed:' .. cid, ttl * 2)
  redis.call('SADD', 'sd:swarms:' .. peer, cid)
  redis.call('PEXPIRE', 'sd:swarms:' .. peer, ttl)
end
`

/** ['1' if the asker is complete else '0', member, '1' | '0', …] of the first `window` members whose entries have not expired. */
const MEMBERS_OF = `
local function members(now, window, cid, asker)
  local peers = redis.call('ZRANGEBYSCORE', 'sd:swarm:' .. cid, now, '+inf', 'LIMIT', 0, window)
  local reply = { redis.call('HGET', 'sd:seed:' .. cid, asker) == '1' and '1' or '0' }
  if #peers > 0 then
    local flags = redis.call('HMGET', 'sd:seed:' .. cid, unpack(peers))
    for j, peer in ipairs(peers) do
      reply[#reply + 1] = peer
      reply[#reply + 1] = flags[j] == '1' and '1' or '0'
    end
  end
  return reply
end
`

/** ARGV: ttl ms, then (peer, cid, '1' if complete else '0', expiry ms) quadruples. Adds each member, as a MULTI did. */
export const JOIN = `${JOIN_ONE}
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV, 4 do join(ttl, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) end
return 0
`

/** ARGV: now ms, most members read, then (cid, asker) pairs. Returns MEMBERS_OF's reply for each. */
export const MEMBERS = `${MEMBERS_OF}
local now, window, out = ARGV[1], tonumber(ARGV[2]), {}
for i = 3, #ARGV, 2 do out[#out + 1] = members(now, window, ARGV[i], ARGV[i + 1]) end
return out
`

/**
 * Announces and lookups (state.ts `track`), each in one step so that no join
 * lands in a swarm revoked meanwhile. ARGV: now ms, most members read, ttl ms,
 * expiry ms, then (peer, cid, join) triples, join '1' or '0' (complete or not)
 * to join, '' for a lookup. Returns for each {'r', secret} for a revoked CID,
 * else {'m', …MEMBERS_OF's reply}.
 */
export const TRACK = `${JOIN_ONE}${MEMBERS_OF}
local now, window, ttl, expiry, out = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], {}
for i = 5, #ARGV, 3 do
  local peer, cid, joining = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local secret = redis.call('GET', 'sd:revoked:' .. cid)
  if secret then
    out[#out + 1] = { 'r', secret }
  else
    if joining ~= '' then join(ttl, peer, cid, joining, expiry) end
    local reply = members(now, window, cid, peer)
    table.insert(reply, 1, 'm')
    out[#out + 1] = reply
  end
end
return out
`

/**
 * Keeps a published mirror list unless the one kept is as new (atomic, so
 * two processes cannot both win), and bounds how many are kept, the least
 * recently published going first. KEYS: the list's hash, the set of lists.
 * ARGV: seq, list, ttl ms, now ms, most lists kept, cid. Returns [1 if kept
 * now else 0, the list kept, its seq].
 */
export const PUBLISH_MIRROR_LIST = `
local kept = redis.call('HGET', KEYS[1], 'seq')
if kept and tonumber(kept) >= tonumber(ARGV[1]) then return {0, redis.call('HGET', KEYS[1], 'list'), kept} end
local ttl, now, max = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'list', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now, ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
local excess = redis.call('ZCARD', KEYS[2]) - max
if excess > 0 then
  for _, cid in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do redis.call('DEL', 'sd:mirrors:' .. cid) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
redis.call('PEXPIRE', KEYS[2], ttl)
return {1, ARGV[2], ARGV[1]}
`
