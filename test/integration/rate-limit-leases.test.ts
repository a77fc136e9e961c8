import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisKeys } from '../../core/contracts/ids.js';
import { LeasedRateCounter } from '../../dashboard/middleware/leased-rate-counter.js';
import { type RedisClient, createRedisConnection } from '../../pipelines/redis-connection.js';
import { testQueuePrefix } from '../support/test-system.js';

/**
 * The ingress's rate limit counts in leases: an instance takes a share of a key's window from Redis
 * at once and counts it out in process. The shared count still bounds every instance together.
 */
let redis: RedisClient;
const prefix = testQueuePrefix('leases');
const keyPrefix = redisKeys.rateLimit(prefix);

beforeAll(() => {
  redis = createRedisConnection(inject('redisUrl'), 'worker');
});
afterAll(async () => {
  await redis.quit();
});

async function takeMany(counter: LeasedRateCounter, key: string, limit: number, n: number) {
  const outcomes: string[] = [];
  for (let i = 0; i < n; i++) outcomes.push((await counter.take(key, limit)).outcome);
  return outcomes;
}

describe('leased rate counting', () => {
  it('asks Redis once per lease, not once per request', async () => {
    const counter = new LeasedRateCounter(redis, keyPrefix, 60_000);
    const limit = 640; // leases of 10
    expect(LeasedRateCounter.leaseSize(limit)).toBe(10);
    expect(await takeMany(counter, 'key:batched', limit, 25)).toEqual(Array(25).fill('allowed'));
    // Three leases of 10 taken for 25 requests; a counter per request would read 25.
    expect(Number(await redis.get(`${keyPrefix}key:batched`))).toBe(30);
    expect(await redis.pttl(`${keyPrefix}key:batched`)).toBeGreaterThan(0);
  });

  it('holds the limit across instances: a lease never crosses what is left of the window', async () => {
    const a = new LeasedRateCounter(redis, keyPrefix, 60_000);
    const b = new LeasedRateCounter(redis, keyPrefix, 60_000);
    const limit = 640;
    expect(await takeMany(a, 'key:shared', limit, 5)).toEqual(Array(5).fill('allowed'));
    // b gets all but a's lease of 10, then is refused without more Redis round trips.
    const fromB = await takeMany(b, 'key:shared', limit, 700);
    expect(fromB.filter((o) => o === 'allowed')).toHaveLength(630);
    expect(fromB.slice(630)).toEqual(Array(70).fill('refused'));
    // a still counts out the rest of its lease, then is refused too: 640 in all.
    expect(await takeMany(a, 'key:shared', limit, 10)).toEqual([...Array(5).fill('allowed'), ...Array(5).fill('refused')]);
    const refused = await b.take('key:shared', limit);
    expect(refused).toMatchObject({ outcome: 'refused', remaining: 0 });
  });

  it('counts small budgets exactly, request by request, and concurrent requests never exceed them', async () => {
    const a = new LeasedRateCounter(redis, keyPrefix, 60_000);
    const b = new LeasedRateCounter(redis, keyPrefix, 60_000);
    const limit = 20; // leases of 1
    const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).take('ip:small', limit)));
    expect(outcomes.filter((o) => o.outcome === 'allowed')).toHaveLength(20);
    expect(outcomes.filter((o) => o.outcome === 'refused')).toHaveLength(40);
    const remaining = outcomes.flatMap((o) => (o.outcome === 'allowed' ? [o.remaining] : [])).sort((x, y) => x - y);
    expect(remaining).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
