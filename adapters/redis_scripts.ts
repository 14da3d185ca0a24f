import { CONSUMED_HEAD } from './codec.ts';

/**
 * Consume as one atomic step on one key. KEYS[1] object, ARGV[1] epoch seconds.
 * Returns nil when missing, {0, stored} when consumed before, {1} when this call won.
 * String surgery rather than cjson, which would rewrite `[]` as `{}` and reformat numbers.
 */
export const CONSUME_LUA = `
local stored = redis.call('GET', KEYS[1])
if not stored then return false end
local head = '${CONSUMED_HEAD}'
if string.sub(stored, 1, #head) == head then return {0, stored} end
local body = string.sub(stored, 2)
if body ~= '}' then body = ',' .. body end
redis.call('SET', KEYS[1], head .. ARGV[1] .. body, 'KEEPTTL')
return {1}
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
