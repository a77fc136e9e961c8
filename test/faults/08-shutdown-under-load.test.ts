import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../app/free-port.js';
import { Producer } from '../../pipelines/producer.js';
import { type RedisClient, createRedisConnection } from '../../pipelines/redis-connection.js';
import { createTestDatabase } from '../support/test-system.js';
import { queryRows } from './support/fault-servers.js';
import { type RoleProcess, spawnRole, waitFor } from './support/processes.js';
import { recordScenario } from './support/scenario-result.js';

/**
 * Scenario 7 (issue 18, item 9): SIGTERM after 200 `validate?wait` requests and with 200 more in
 * flight. Before,
 * shutdown took 18 s and ended with "shutdown took too long; exiting" (exit 1). Now the process must
 * exit 0, and every job it acknowledged (answered 200 or 202, or enqueued before the signal) must
 * complete — here, or on the next process.
 */

const requests = 200;
const total = requests * 2;
const producerKey = 'producer-key-shutdown-0001';
let databaseUrl: string;
let connection: RedisClient;
let producer: Producer;
let env: Record<string, string>;
const processes: RoleProcess[] = [];

beforeAll(async () => {
  databaseUrl = await createTestDatabase('fault-shutdown');
  const prefix = `f-stop-${randomUUID().slice(0, 8)}`;
  connection = createRedisConnection(inject('redisUrl'), 'producer');
  producer = new Producer(connection, prefix);
  env = {
    REDIS_URL: inject('redisUrl'),
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    API_KEYS: `producer:${producerKey}`,
    HOST: '127.0.0.1',
    BLOOM_THREADS: '2',
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
  };
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await producer?.close();
  await connection?.quit();
});

async function startApp(): Promise<{ app: RoleProcess; url: string }> {
  const port = await findFreePort();
  const app = spawnRole(['start'], { ...env, PORT: String(port) });
  processes.push(app);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the app to be ready', async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 90_000, onTimeout: app.output });
  return { app, url };
}

describe('scenario 8: SIGTERM under load', () => {
  it('exits 0 and loses no acknowledged job', async () => {
    const { app, url } = await startApp();
    const answered = new Map<string, number>();
    const send = (i: number) => (async () => {
      try {
        const res = await fetch(`${url}/api/questions/validate?wait=30000`, {
          method: 'POST',
          headers: { authorization: `Bearer ${producerKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: `stop-${i}`, text: `Explain step ${i} of how a deadlock arises.`, type: 'essay' }),
        });
        const body = (await res.json()) as { jobId?: string };
        if ((res.status === 200 || res.status === 202) && body.jobId) answered.set(body.jobId, res.status);
        return res.status;
      } catch {
        return 0; // the connection closed by shutdown: not acknowledged to the client
      }
    })();
    // Sustained load first: 200 requests, all answered (the 18 s shutdown came after such a run) …
    const sustained = await Promise.all(Array.from({ length: requests }, (_, i) => send(i)));
    // … then as many again, in flight when the signal comes.
    const inFlight = Array.from({ length: requests }, (_, i) => send(requests + i));
    // Under load: a good share of the requests are enqueued before the signal.
    const queue = producer.queue('question-validation');
    await waitFor('jobs to be enqueued', async () => {
      const c = await queue.getJobCounts();
      return (c.completed ?? 0) + (c.active ?? 0) + (c.waiting ?? 0) + (c.prioritized ?? 0) >= requests * 1.5;
    }, { timeoutMs: 60_000 });
    const enqueuedBefore = new Set((await queue.getJobs(['completed', 'active', 'waiting', 'prioritized', 'delayed'])).map((j) => j.id!));

    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    const code = await app.exited;
    const seconds = (Date.now() - signalledAt) / 1000;
    const statuses = [...sustained, ...(await Promise.all(inFlight))];
    expect(code, app.output()).toBe(0);
    expect(app.output()).not.toContain('shutdown took too long');
    // No 5xx on the way down: requests were answered, or their connection closed.
    expect(statuses.filter((s) => s >= 500)).toEqual([]);

    // Every acknowledged job completes: on a fresh process for those the first one left queued.
    const acknowledged = new Set([...enqueuedBefore, ...answered.keys()]);
    const next = await startApp();
    await waitFor('every acknowledged job to complete', async () => {
      const states = await Promise.all([...acknowledged].map((id) => queue.getJobState(id)));
      return states.every((s) => s === 'completed');
    }, { timeoutMs: 120_000, onTimeout: next.app.output });
    const stored = await queryRows<{ id: string }>(databaseUrl, "SELECT DISTINCT question_id AS id FROM question_validations WHERE question_id LIKE 'stop-%'");
    const storedIds = new Set(stored.map((r) => r.id));
    const lost = [...acknowledged].filter((jobId) => ![...storedIds].some((q) => jobId.startsWith(`validate-${q}-`)));
    expect(lost).toEqual([]);
    await next.app.stop('SIGTERM');
    expect(await next.app.exited).toBe(0);

    recordScenario({
      id: 8,
      scenario: 'SIGTERM after 200 ?wait requests, 200 in flight',
      sent: total,
      completed: acknowledged.size - lost.length,
      lost: lost.length,
      duplicated: 0,
      seconds,
      note: `exit ${code} ${seconds.toFixed(1)} s after SIGTERM; ${answered.size} answered, ${acknowledged.size} acknowledged`,
    });
  });
});
