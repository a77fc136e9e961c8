import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../app/free-port.js';
import { Producer } from '../../pipelines/producer.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { createTestDatabase, producerKey } from '../support/test-system.js';
import { type RestartableRedis, restartableRedis } from './support/fault-servers.js';
import { duplicatedValidations, postQuestion, validatedQuestionIds } from './support/question-flow.js';
import { type RoleProcess, sleep, spawnRole, waitFor } from './support/processes.js';
import { recordScenario } from './support/scenario-result.js';

/**
 * Scenario 2: Redis is restarted (SIGTERM, then started again on the same port and AOF directory)
 * while an upstream service keeps posting questions to a real ingress process and a real worker
 * process validates them. While Redis is away the ingress answers 503 at once (it never hangs);
 * every question it acknowledged with 202 is validated and stored once Redis is back.
 */

const queue = 'question-validation' as const;
let redis: RestartableRedis;
let databaseUrl: string;
let baseUrl: string;
let env: Record<string, string>;
const processes: RoleProcess[] = [];

beforeAll(async () => {
  redis = await restartableRedis();
  databaseUrl = await createTestDatabase('fault-redis');
  const port = await findFreePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = {
    REDIS_URL: redis.url,
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `f-redis-${randomUUID().slice(0, 8)}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    API_KEYS: `producer:${producerKey}`,
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000',
    WORKER_LOCK_DURATION_MS: '5000',
    WORKER_STALLED_INTERVAL_MS: '2000',
    BLOOM_THREADS: '1',
    CONCURRENCY_QUESTION_VALIDATION: '8',
  };
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await redis?.dispose();
});

// "At once" generously: a request that takes 10 s while Redis is away counts as hung.
const post = (i: number) => postQuestion(baseUrl, `redis-${i}`, `Describe what happens to request ${i} when the cache server restarts.`, 10_000);

describe('scenario 2: Redis restarts while jobs flow', () => {
  it('completes every job acknowledged with 202; answers 503 at once while Redis is away', async () => {
    const started = Date.now();
    const ingress = spawnRole(['ingress'], env);
    const worker = spawnRole(['worker', '--queues', queue], env);
    processes.push(ingress, worker);
    await waitFor('the ingress to be ready', async () => (await fetch(`${baseUrl}/readyz`)).status === 200, { timeoutMs: 60_000, onTimeout: ingress.output });

    const accepted = new Set<string>();
    const tally = { sent: 0, unavailable: 0, hung: 0 };
    const unexpected: string[] = [];
    let sending = true;
    let counter = 0;
    const sender = async () => {
      while (sending) {
        const outcome = await post(counter++);
        tally.sent += 1;
        if (outcome.status === 'accepted') accepted.add(outcome.id);
        else if (outcome.status === 'unavailable') tally.unavailable += 1;
        else if (outcome.status === 'hung') tally.hung += 1;
        else unexpected.push(outcome.detail);
        await sleep(20);
      }
    };
    const senders = Array.from({ length: 4 }, sender);

    await sleep(3_000);
    const acceptedBeforeStop = accepted.size;
    await redis.stop();
    await sleep(4_000);
    const unavailableDuringOutage = tally.unavailable;
    await redis.start();
    await waitFor('the ingress to see Redis again', async () => (await fetch(`${baseUrl}/readyz`)).status === 200, { timeoutMs: 30_000 });
    await sleep(3_000);
    sending = false;
    await Promise.all(senders);
    // The rate limiter counts again (its Lua scripts were gone with the restart): it did not just
    // fail open for good.
    const probe = await fetch(`${baseUrl}/api/jobs/${queue}/no-such-job`, { headers: { authorization: `Bearer ${producerKey}` } });
    const rateLimitAfterRestart = probe.headers.get('ratelimit');

    const storedIds = () => validatedQuestionIds(databaseUrl, 'redis-');
    let storedSet = new Set<string>();
    await waitFor(
      'every acknowledged question to be stored',
      async () => {
        storedSet = await storedIds();
        return [...accepted].every((id) => storedSet.has(id));
      },
      { timeoutMs: 120_000, intervalMs: 500, onTimeout: worker.output },
    );

    const duplicated = await duplicatedValidations(databaseUrl, 'redis-');
    const lost = [...accepted].filter((id) => !storedSet.has(id)).length;
    // The last jobs finish in BullMQ just after their rows are written.
    const counts = await withProducer(env.REDIS_URL!, env.QUEUE_PREFIX!, (p) =>
      waitFor('the queue to drain', async () => {
        const c = await p.queue(queue).getJobCounts('waiting', 'active', 'delayed', 'failed');
        return c.waiting + c.active + c.delayed === 0 ? c : undefined;
      }, { timeoutMs: 30_000 }),
    );

    recordScenario({
      id: 2,
      scenario: 'Redis restart (SIGTERM + start, same AOF) while jobs flow',
      sent: accepted.size,
      completed: accepted.size - lost,
      lost,
      duplicated,
      seconds: (Date.now() - started) / 1000,
      note: `${tally.sent} requests: ${accepted.size} × 202, ${tally.unavailable} × 503 (fast), ${tally.hung} hung; ${acceptedBeforeStop} acked before the stop`,
    });
    expect(rateLimitAfterRestart).toMatch(/^limit=1000000, remaining=\d+, reset=\d+$/);
    expect(unexpected).toEqual([]);
    expect(tally.hung).toBe(0);
    expect(unavailableDuringOutage).toBeGreaterThan(0);
    expect(acceptedBeforeStop).toBeGreaterThan(0);
    expect(accepted.size).toBeGreaterThan(acceptedBeforeStop); // the ingress took work again after the restart
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });
});

async function withProducer<T>(url: string, prefix: string, use: (p: Producer) => Promise<T>): Promise<T> {
  const connection = createRedisConnection(url, 'producer');
  const producer = new Producer(connection, prefix);
  try {
    await waitFor('a Redis connection', async () => connection.status === 'ready', { timeoutMs: 10_000 });
    return await use(producer);
  } finally {
    await producer.close();
    await connection.quit();
  }
}
