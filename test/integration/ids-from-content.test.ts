import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../app/free-port.js';
import { startLocalRedis } from '../../app/local-redis.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

/**
 * Issue 14, "ids from content, not counters": session and plan ids were hashes of BullMQ's job
 * counter, so after a Redis lost its data the next learner got the first learner's stored session.
 * Here the system runs on a Redis of its own, which the test empties with FLUSHALL.
 */
let redisDir: string;
let redis: { url: string; stop(): Promise<void> };
let system: TestSystem;

beforeAll(async () => {
  redisDir = mkdtempSync(join(tmpdir(), 'learnloop-ids-redis-'));
  redis = await startLocalRedis({ dataDir: redisDir, port: await findFreePort(), persistent: false });
  system = await startTestSystem('ids-from-content', { redisUrl: redis.url, roles: { workers: ['session-generation', 'decision-insights'] } });
});
afterAll(async () => {
  await system?.close();
  await redis?.stop();
  rmSync(redisDir, { recursive: true, force: true });
});

async function flushRedis() {
  const client = new Redis(redis.url);
  try {
    await client.flushall();
  } finally {
    client.disconnect();
  }
}

async function generate(userId: string): Promise<string> {
  const res = await system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId, size: 3 } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { sessionId: string } }).result.sessionId;
}

async function plan(userId: string): Promise<string> {
  const res = await system.request('/api/learning-plans?wait=20000', { method: 'POST', json: { userId, targetLevel: 4, days: 30 } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { planId: string } }).result.planId;
}

describe('after FLUSHALL, a new learner gets their own records', () => {
  it('sessions and learning plans', async () => {
    const firstSession = await generate('learner-before-flush');
    const firstPlan = await plan('learner-before-flush');
    await flushRedis();
    const secondSession = await generate('learner-after-flush');
    const secondPlan = await plan('learner-after-flush');

    expect(secondSession).not.toBe(firstSession);
    expect(secondPlan).not.toBe(firstPlan);
    const sessions = await system.query('SELECT id, user_id FROM sessions ORDER BY created_at, id');
    expect(sessions).toEqual(
      expect.arrayContaining([
        { id: firstSession, user_id: 'learner-before-flush' },
        { id: secondSession, user_id: 'learner-after-flush' },
      ]),
    );
    const plans = await system.query('SELECT id, user_id FROM learning_plans');
    expect(plans).toEqual(
      expect.arrayContaining([
        { id: firstPlan, user_id: 'learner-before-flush' },
        { id: secondPlan, user_id: 'learner-after-flush' },
      ]),
    );
  });

  it("a caller's session id is kept, and one that names another learner's session is refused", async () => {
    const mine = await system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId: 'owner-a', sessionId: 'sess-owned-by-a' } });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as any).result.sessionId).toBe('sess-owned-by-a');
    const theirs = await system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId: 'owner-b', sessionId: 'sess-owned-by-a' } });
    expect(theirs.status).toBe(409);
    expect(await theirs.json()).toMatchObject({ error: { code: 'id_taken' } });
    // Written to the queue directly, past the edge: the worker's owner check refuses it.
    const jobId = await system.services.producer.send('session-generation', 'generate', { userId: 'owner-b', sessionId: 'sess-owned-by-a', size: 3 });
    const status = await system.jobStatus(`/api/jobs/session-generation/${jobId}`);
    expect(status).toMatchObject({ state: 'failed', failedReason: expect.stringMatching(/another learner/) });
    const owners = await system.query("SELECT user_id FROM sessions WHERE id = 'sess-owned-by-a'");
    expect(owners).toEqual([{ user_id: 'owner-a' }]);
  });
});
