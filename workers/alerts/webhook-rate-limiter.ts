import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../pipelines/redis-connection.js';

/**
 * A sliding-window limit shared by every process (a sorted set of send times in Redis, checked and
 * appended atomically by one Lua script): at most `limit` sends in any `windowMs`. A send over the
 * limit is refused, never queued.
 *
 * KEYS[1] the window's sorted set; ARGV: now (ms), window (ms), limit, a unique member.
 * Returns 1 when the send may go, 0 when it is refused.
 */
const slidingWindowScript = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

export class WebhookRateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    readonly limit = 12,
    readonly windowMs = 60_000,
  ) {}

  async tryAcquire(nowMs: number): Promise<boolean> {
    const allowed = await this.redis.eval(slidingWindowScript, 1, this.key, nowMs, this.windowMs, this.limit, `${nowMs}-${randomUUID()}`);
    return Number(allowed) === 1;
  }
}
