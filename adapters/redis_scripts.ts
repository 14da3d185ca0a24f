import { CONSUMED_HEAD } from './codec.ts';

/**
 * The two-phase consume (docs/storage.md "Single use"), each step one atomic script on the
 * object's key and its redemption mark, which share a hash tag. KEYS[1] object, KEYS[2] mark.
 * String surgery and plain comparisons rather than cjson, which would rewrite `[]` as `{}` and
 * reformat numbers; the tombstones themselves are written by the adapter.
 */
const HEAD = `local head = '${CONSUMED_HEAD}'
local function consumed(stored) return string.sub(stored, 1, #head) == head end
`;

/**
 * Begin: KEYS[3] the retry record. ARGV[1] attempt, ARGV[2] now (ms), ARGV[3] lease (ms), ARGV[4]
 * reuse grace (ms), ARGV[5] the least age (ms) of a rotation that a retry may replace.
 * {'missing'} | {'pending', ms left on the holder's lease} | {'won'|'used', stored} | {'grace', stored, retry}.
 * 'won' and 'grace' set this attempt's mark, which lapses by itself after the lease; an unconsumed
 * object is won by setting the mark where there is none (one SET NX, no separate check).
 */
export const BEGIN_CONSUME_LUA = `${HEAD}
local stored = redis.call('GET', KEYS[1])
if not stored then return {'missing'} end
if not consumed(stored) then
  if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3], 'NX') then return {'won', stored} end
  return {'pending', tostring(redis.call('PTTL', KEYS[2]))}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'pending', tostring(redis.call('PTTL', KEYS[2]))} end
local retry = tonumber(ARGV[4]) > 0 and redis.call('GET', KEYS[3])
local at = retry and string.match(retry, '^{"consumed":%d+,"~by":"[^"]*","~at":(%d+),"~next":"')
local age = at and (tonumber(ARGV[2]) - tonumber(at))
if not (age and age >= tonumber(ARGV[5]) and age < tonumber(ARGV[4])) then return {'used', stored} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
return {'grace', stored, retry}
`;

/**
 * Release: KEYS[3] the retry record. ARGV[1] attempt, ARGV[2] the object as the attempt found it.
 * Drops the attempt's mark, or, when its commit went through although the attempt answered an
 * error, puts the object back (and drops the retry record that commit wrote).
 */
export const RELEASE_CONSUME_LUA = `${HEAD}
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  return 1
end
local stored = redis.call('GET', KEYS[1])
if stored and consumed(stored) and string.find(string.sub(stored, 1, 64), ',"~by":"' .. ARGV[1] .. '"', 1, true) then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  redis.call('DEL', KEYS[3])
  return 2
end
return 0
`;

/**
 * Retire an unused successor (a refresh retried within the grace window): deletes it unless it
 * was used or is being used; 1 when nothing of it stays live, 0 when the chain moved on.
 */
export const RETIRE_UNUSED_LUA = `${HEAD}
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local stored = redis.call('GET', KEYS[1])
if not stored then return 1 end
if consumed(stored) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * Grant index upkeep, shared by the scripts below: adds members scored by their expiry on Redis'
 * own clock (ZADD GT never shortens a member's life), drops expired members, and makes the index
 * expire with its longest-lived member. `members` alternates member and TTL in ms ('' = none).
 * The index's own expiry is always its longest member's, so the new members only need comparing
 * with it (PTTL): a new index has nothing expired and expires with its longest new member; only
 * one without expiry (a member without TTL) looks at every member again.
 */
const INDEX_UPKEEP = `
local function indexGrant(key, now, members)
  local left = redis.call('PTTL', key)
  local args, longest = {}, -1
  for i = 1, #members, 2 do
    local expiresAt = 'inf'
    if members[i + 1] ~= '' then
      local at = now + tonumber(members[i + 1])
      expiresAt = string.format('%.0f', at)
      if longest ~= 'inf' and at > longest then longest = at end
    else
      longest = 'inf'
    end
    args[#args + 1] = expiresAt
    args[#args + 1] = members[i]
  end
  redis.call('ZADD', key, 'GT', unpack(args))
  if left ~= -2 then redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. string.format('%.0f', now)) end
  if left == -1 then
    local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    if last[2] ~= nil and last[2] ~= 'inf' then redis.call('PEXPIREAT', key, last[2]) end
  elseif longest == 'inf' then
    if left ~= -2 then redis.call('PERSIST', key) end
  elseif left == -2 or longest > now + left then
    redis.call('PEXPIREAT', key, string.format('%.0f', longest))
  end
end
local function redisNow()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;

/** One member of one grant index. KEYS[1] index, ARGV[1] member, ARGV[2] TTL in ms ('' = none). */
export const INDEX_GRANT_LUA = `
redis.replicate_commands()
${INDEX_UPKEEP}
indexGrant(KEYS[1], redisNow(), {ARGV[1], ARGV[2]})
return 1
`;

/**
 * A redemption's commit (docs/storage.md "Single use"), all or nothing. ARGV[1] attempt, ARGV[2]
 * held objects, ARGV[3] saved objects, ARGV[4] grant indexes. Then, per held object (KEYS: object,
 * mark, retry record) ARGV found, consumed record ('' = only held), retry record ('' = none) and its
 * TTL (ms); per saved object (KEYS: object) ARGV value and TTL (s, '' = none); per grant index
 * (KEYS: index) ARGV the member count and member, TTL (ms) pairs. Returns 0, writing nothing, when
 * the attempt lost an object: another attempt took over, or it is gone (revoked meanwhile).
 */
export const COMMIT_REDEMPTION_LUA = `
redis.replicate_commands()
${INDEX_UPKEEP}
local attempt = ARGV[1]
local held, saves, indexes = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local k, a = 1, 5
for _ = 1, held do
  local stored = redis.call('GET', KEYS[k])
  if not stored then return -1 end
  local holder = redis.call('GET', KEYS[k + 1])
  if holder ~= attempt and (holder or stored ~= ARGV[a]) then return 0 end
  k, a = k + 3, a + 4
end
for _ = 1, saves do
  if ARGV[a + 1] == '' then redis.call('SET', KEYS[k], ARGV[a]) else redis.call('SET', KEYS[k], ARGV[a], 'EX', ARGV[a + 1]) end
  k, a = k + 1, a + 2
end
if indexes > 0 then
  local now = redisNow()
  for _ = 1, indexes do
    local count = tonumber(ARGV[a])
    indexGrant(KEYS[k], now, {unpack(ARGV, a + 1, a + 2 * count)})
    k, a = k + 1, a + 1 + 2 * count
  end
end
k, a = 1, 5
for _ = 1, held do
  if ARGV[a + 1] ~= '' then redis.call('SET', KEYS[k], ARGV[a + 1], 'KEEPTTL') end
  if ARGV[a + 2] ~= '' then redis.call('SET', KEYS[k + 2], ARGV[a + 2], 'PX', ARGV[a + 3]) end
  redis.call('DEL', KEYS[k + 1])
  k, a = k + 3, a + 4
end
return 1
`;
