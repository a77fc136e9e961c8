import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../../pipelines/redis-connection.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedJob } from '../support/finished-job.js';
import { type TestSystem, operatorKey, startTestSystem } from '../support/test-system.js';

/**
 * Issue 18, item 11: after erasure, and again after the hard delete, the learner's id is nowhere —
 * looked for in every Redis key of the system and every table of its database. The learner is an
 * e-mail address, as real ids are.
 *
 * Allowed between erasure and hard delete, as the erasure's own bookkeeping for the grace period:
 * the learners tombstone row, the rows the hard delete removes (attempts, traces, plans …), and the
 * erase job's own record. After the hard delete: nothing at all.
 */
const userId = 'erin.scan@example.com';
const exportDir = mkdtempSync(join(tmpdir(), 'learnloop-erasure-exports-'));
let system: TestSystem;
let redis: RedisClient;

beforeAll(async () => {
  system = await startTestSystem('erasure-scan', {
    roles: { workers: ['question-validation', 'session-generation', 'feedback-loop', 'decision-insights', 'retention-cleanup'] },
    env: { EXPORT_DIR: exportDir },
  });
  // The system's own client: a Redis or, under `npm run test:cluster`, a Redis Cluster.
  redis = system.services.redis;
});
afterAll(async () => {
  await system?.close();
  rmSync(exportDir, { recursive: true, force: true });
});

const operator = { key: operatorKey };

async function ok(path: string, init: Parameters<TestSystem['request']>[1]): Promise<any> {
  const res = await system.request(path, init);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

async function idle(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let busy = 0;
    for (const q of system.services.producer.allQueues()) {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      busy += Object.values(c).reduce((a, b) => a + b, 0);
    }
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error('queues not idle');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every place in Redis (under the system's prefix) whose key or content names the learner. */
async function redisMentions(skip: (key: string, text: string) => boolean = () => false): Promise<string[]> {
  const found: string[] = [];
  const escaped = JSON.stringify(userId).slice(1, -1);
  const names = (text: string) => text.includes(userId) || text.includes(escaped);
  // SCAN walks one server: on a cluster, walk every master.
  const servers: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys: string[] = [];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, page] = await server.scan(cursor, 'MATCH', `${system.config.QUEUE_PREFIX}*`, 'COUNT', '500');
      cursor = next;
      keys.push(...page);
    } while (cursor !== '0');
  }
  for (const key of keys) {
    const type = await redis.type(key);
    const parts: string[] = [];
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'list') parts.push(...(await redis.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(...(await redis.smembers(key)));
    else if (type === 'zset') parts.push(...(await redis.zrange(key, '0', '-1')));
    else if (type === 'stream') parts.push(...(await redis.xrange(key, '-', '+')).map(([, fields]) => JSON.stringify(fields)));
    for (const text of [key, ...parts]) if (names(text) && !skip(key, text)) found.push(`${key}: ${text.slice(0, 160)}`);
  }
  return found;
}

/** Tables (among `only`, or all) with a row that names the learner. */
async function tableMentions(only?: string[]): Promise<string[]> {
  const tables = (
    await system.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
  ).map((r) => r.name);
  const found: string[] = [];
  for (const table of tables.filter((t) => !only || only.includes(t))) {
    const rows = await system.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" t WHERE t::text LIKE $1`, [`%${userId}%`]);
    if (rows[0]!.n > 0) found.push(`${table}: ${rows[0]!.n}`);
  }
  return found;
}

describe('erasure leaves nothing behind', () => {
  it('in Redis and the anonymised tables at once, and anywhere after the hard delete', async () => {
    // A learner with a bit of everything: sessions, results, a plan, traces, an export.
    for (const [i, text] of ['Define a deadlock.', 'Explain why paging avoids external fragmentation.', 'Compare two sorting algorithms for nearly sorted data.'].entries()) {
      await ok('/api/questions/validate?wait=30000', { method: 'POST', json: { id: `scan-q${i}`, text, type: 'short_answer', difficulty: 2 + i } });
    }
    const session = (await ok('/api/sessions/generate?wait=30000', { method: 'POST', json: { userId, size: 3 } })).result;
    expect(session.questions.length).toBeGreaterThan(0);
    const answers = session.questions.map((q: { questionId: string }, i: number) => ({ questionId: q.questionId, correct: i % 2 === 0 }));
    const results = await ok(`/api/sessions/${session.sessionId}/results?wait=30000`, { method: 'POST', json: { userId, answers } });
    expect(results.result.userId).toBe(userId);
    await ok('/api/learning-plans?wait=30000', { method: 'POST', json: { userId, targetLevel: 4, days: 30 } });
    await ok(`/api/users/${encodeURIComponent(userId)}/export?wait=30000`, { method: 'POST', ...operator });
    await idle();
    // The scan finds the learner before erasure: it looks in the right places.
    expect((await redisMentions()).length).toBeGreaterThan(3);
    expect(await tableMentions(['sessions', 'analytics_events', 'audit_log'])).toHaveLength(3);

    const erased = await ok(`/api/users/${encodeURIComponent(userId)}?wait=30000`, { method: 'DELETE', ...operator });
    const eraseJobId: string = erased.jobId;
    expect(eraseJobId).not.toContain(userId);
    await idle();

    // After erasure: Redis holds nothing of them but the erase job's own record (and its events).
    const ownJob = (key: string, text: string) => key.endsWith(`:${eraseJobId}`) || text.includes(`"${eraseJobId}"`);
    expect(await redisMentions(ownJob)).toEqual([]);
    // Sessions anonymised, analytics removed, audit log pseudonymised — at once.
    expect(await tableMentions(['sessions', 'analytics_events', 'analytics_events_archive', 'audit_log'])).toEqual([]);
    const [audit] = await system.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE target LIKE 'erased-%'");
    expect(audit!.n).toBeGreaterThan(0);

    // The hard delete, once the grace period is over: then nothing anywhere.
    const sweepId = await system.services.producer.send('retention-cleanup', 'sweep', { asOf: new Date(Date.now() + 31 * 86_400_000).toISOString() });
    const sweep = await finishedJob(system.services.producer.queue('retention-cleanup'), sweepId);
    expect(sweep.state).toBe('completed');
    expect(sweep.result.purgedLearners).toBe(1);
    expect(JSON.stringify(sweep.result)).not.toContain(userId);
    // Except the erasure ledger (issue 14): the one record that must outlive the hard delete, so a
    // restore of an older backup erases the learner again.
    expect((await tableMentions()).filter((t) => !t.startsWith('erasure_ledger:'))).toEqual([]);
    expect(await redisMentions()).toEqual([]);
  });
});
