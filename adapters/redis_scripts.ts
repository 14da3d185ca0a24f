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
 * Begin: ARGV[1] attempt, ARGV[2] now (ms), ARGV[3] lease (ms), ARGV[4] reuse grace (ms).
 * {'missing'} | {'pending', ms left on the holder's lease} | {'won'|'grace'|'used', stored}.
 * 'won' and 'grace' set this attempt's mark, which lapses by itself after the lease.
 */
export const BEGIN_CONSUME_LUA = `${HEAD}
local stored = redis.call('GET', KEYS[1])
if not stored then return {'missing'} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'pending', tostring(redis.call('PTTL', KEYS[2]))} end
local status = 'won'
if consumed(stored) then
  status = 'used'
  local at = string.match(stored, '^{"consumed":%d+,"~by":"[^"]*","~at":(%d+),"~next":"')
  if at and tonumber(ARGV[2]) - tonumber(at) < tonumber(ARGV[4]) then status = 'grace' end
end
if status ~= 'used' then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3]) end
return {status, stored}
`;

/**
 * Commit: ARGV[1] attempt, ARGV[2] the consumed record, ARGV[3] the object as the attempt found it.
 * Writes the record while the attempt holds the mark, or after its lease lapsed if nobody changed
 * the object since; 0 when another attempt took over or the object is gone.
 */
export const COMMIT_CONSUME_LUA = `
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local holder = redis.call('GET', KEYS[2])
if holder ~= ARGV[1] and (holder or stored ~= ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
redis.call('DEL', KEYS[2])
return 1
`;

/**
 * Release: ARGV[1] attempt, ARGV[2] the object as the attempt found it. Drops the attempt's mark,
 * or, when its commit went through although the attempt answered an error, puts the object back.
 */
export const RELEASE_CONSUME_LUA = `${HEAD}
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  return 1
end
local stored = redis.call('GET', KEYS[1])
if stored and consumed(stored) and string.find(string.sub(stored, 1, 64), ',"~by":"' .. ARGV[1] .. '"', 1, true) then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
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

/** Compare-and-set keeping the TTL: ARGV[1] expected, ARGV[2] replacement. */
export const REPLACE_IF_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;

/**
 * Grant index upkeep on one key. KEYS[1] index, ARGV[1] member, ARGV[2] TTL in ms ('' = none).
 * Scores are expiry times on Redis' own clock; ZADD GT never shortens a member's life, and the
 * index expires with its longest-lived member.
 */
export const INDEX_GRANT_LUA = `
redis.replicate_commands()
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiresAt = 'inf'
if ARGV[2] ~= '' then expiresAt = string.format('%.0f', now + tonumber(ARGV[2])) end
redis.call('ZADD', KEYS[1], 'GT', expiresAt, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', now))
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] == nil then return 0 end
if last[2] == 'inf' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIREAT', KEYS[1], last[2])
end
return 1
`;
