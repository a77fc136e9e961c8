import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findFreePort } from '../../app/free-port.js';
import { cacheKey } from '../../db/cache/cache-keys.js';
import { ReadThroughCache } from '../../db/cache/read-through-cache.js';
import { readCacheHitRates } from '../../observability/cluster-request-stats.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { type CliProcess, spawnCli } from '../support/cli-process.js';
import { seedQuestionBank } from '../support/question-bank.js';
import { type TestSystem, operatorKey, producerKey, startTestSystem } from '../support/test-system.js';

/**
 * The read-through cache across two OS processes on one Redis and one Postgres: `writer` (this test
 * process) runs every worker — it applies answers and validates questions; `reader` is a separate
 * `learnloop ingress` process with a cache (L1 and L2) of its own. Every read from the reader right
 * after a write completed must be fresh: never the value it cached before the write.
 */

let writer: TestSystem;
let reader: CliProcess;
let readerUrl: string;
const scratch = mkdtempSync(join(tmpdir(), 'learnloop-read-cache-'));

const get = async (path: string) => {
  const res = await fetch(`${readerUrl}${path}`, { headers: { authorization: `Bearer ${producerKey}` } });
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  writer = await startTestSystem('read-cache');
  const port = await findFreePort();
  readerUrl = `http://127.0.0.1:${port}`;
  reader = spawnCli(['ingress'], {
    REDIS_URL: writer.redisUrl,
    DATABASE_URL: writer.databaseUrl,
    QUEUE_PREFIX: writer.config.QUEUE_PREFIX,
    API_KEYS: `producer:${producerKey},operator:${operatorKey}`,
    DATA_DIR: scratch,
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_PORT: 'off',
    SCHEDULERS_ENABLED: 'false',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  await seedQuestionBank(writer.services.db, 'rc', 12);
  await vi.waitFor(async () => expect((await fetch(`${readerUrl}/readyz`).catch(() => undefined))?.status, reader.output()).toBe(200), {
    timeout: 120_000,
    interval: 250,
  });
  expect(reader.child.pid).not.toBe(process.pid);
}, 150_000);
afterAll(async () => {
  expect(await reader?.stop()).toBe(0);
  await writer?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('no stale read from another process after a write', () => {
  it('profile: after each applied session, the other process answers the new learner model at once', async () => {
    const userId = 'rc-learner';
    let previousSkill: number | undefined;
    for (let round = 0; round < 4; round++) {
      const generated = await writer.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId, size: 3 } });
      const session = ((await generated.json()) as any).result;
      // The reader caches the profile as it is now (round 0: none yet).
      const before = await get(`/api/users/${userId}/profile`);
      if (round > 0) expect(before.body.skill).toBe(previousSkill);
      const answers = session.questions.map((q: any) => ({ questionId: q.questionId, correct: round % 2 === 0, responseMs: 900 }));
      // The results route reads the session through the cache too (the reader's ingress takes the answers).
      const accepted = await fetch(`${readerUrl}/api/sessions/${session.sessionId}/results`, {
        method: 'POST',
        headers: { authorization: `Bearer ${producerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId, answers }),
      });
      expect(accepted.status).toBe(202);
      expect((await writer.jobStatus(((await accepted.json()) as any).statusUrl)).state).toBe('completed');
      const stored = (await writer.query(`SELECT skill FROM learners WHERE user_id = $1`, [userId]))[0].skill;
      const after = await get(`/api/users/${userId}/profile`);
      expect(after.status).toBe(200);
      // The profile shows skill to 2 decimals.
      expect(after.body.skill).toBeCloseTo(stored, 2);
      expect(after.body.skill).not.toBe(before.body.skill);
      previousSkill = after.body.skill;
    }
  });

  it('question: after each re-validation with new text, the other process answers the new text at once', async () => {
    for (let round = 0; round < 4; round++) {
      const cached = await get('/api/questions/rc-0');
      expect(cached.status).toBe(200);
      const text = `Round ${round}: compare paging and segmentation in terms of fragmentation.`;
      const res = await writer.request('/api/questions/validate?wait=20000', { method: 'POST', json: { id: 'rc-0', text, type: 'essay' } });
      expect(res.status).toBe(200);
      const fresh = await get('/api/questions/rc-0');
      expect(fresh.body.text).toBe(text);
      expect(fresh.body.text).not.toBe(cached.body.text);
    }
  });
});

describe('the cache itself', () => {
  it('is read-through: a second read is served from the cache (counted per family), with the TTL of its family in Redis (README, "Read-through cache")', async () => {
    await get('/api/questions/rc-5');
    await get('/api/questions/rc-5');
    const ttl = await writer.services.redis.ttl(cacheKey(writer.config.QUEUE_PREFIX, 'question', 'rc-5'));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    await vi.waitFor(
      async () => {
        const rates = await readCacheHitRates(writer.services.redis, writer.config.QUEUE_PREFIX, 5, Date.now());
        expect(rates.families.question!.hits).toBeGreaterThan(0);
        expect(rates.families.question!.misses).toBeGreaterThan(0);
        expect(rates.families.profile!.misses).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 200 },
    );
  });

  it('a load that raced an invalidation never fills the cache with the old value', async () => {
    const redis = writer.services.redis;
    const cache = new ReadThroughCache({ redis, prefix: `${writer.config.QUEUE_PREFIX}-race` });
    let current = 'old';
    // The load reads the old row; the writer commits and invalidates before the load returns.
    const first = await cache.get('session', 's1', async () => {
      const seen = current;
      current = 'new';
      await cache.invalidate('session', ['s1']);
      return seen;
    });
    expect(first).toBe('old');
    expect(await cache.get('session', 's1', async () => current)).toBe('new');
    // Across processes: another process's invalidation during the load keeps the old value out of
    // Redis at once, and out of this process's L1 as soon as its published message arrives.
    const prefix = `${writer.config.QUEUE_PREFIX}-race`;
    await cache.listen(createRedisConnection(writer.redisUrl, 'worker'));
    const other = new ReadThroughCache({ redis, prefix });
    current = 'old-2';
    const raced = await cache.get('session', 's2', async () => {
      const seen = current;
      current = 'new-2';
      await other.invalidate('session', ['s2']);
      return seen;
    });
    expect(raced).toBe('old-2');
    expect(await redis.get(cacheKey(prefix, 'session', 's2'))).toBeNull();
    await vi.waitFor(async () => expect(await cache.get('session', 's2', async () => current)).toBe('new-2'), { timeout: 30_000, interval: 20 });
    expect(await redis.get(cacheKey(prefix, 'session', 's2'))).toBe('"new-2"');
    await cache.close();
  });

  it('cache clear from an operator empties Redis and the L1 of every running process', async () => {
    const before = await get('/api/questions/rc-7');
    await writer.query(`UPDATE questions SET text = 'edited straight in the database' WHERE id = 'rc-7'`);
    // Still cached (L1/L2): the direct edit bypassed every write path.
    expect((await get('/api/questions/rc-7')).body.text).toBe(before.body.text);
    await writer.services.cache.clear('question');
    await vi.waitFor(async () => expect((await get('/api/questions/rc-7')).body.text).toBe('edited straight in the database'), {
      timeout: 30_000,
      interval: 50,
    });
  });
});
