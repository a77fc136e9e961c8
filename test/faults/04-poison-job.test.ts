import { createHash } from 'node:crypto';
import { Job } from 'bullmq';
import type { RedisClient } from '../../pipelines/redis-connection.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsDeadLettered } from '../../observability/job-metrics.js';
import { createLogger } from '../../observability/logger.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { registry } from '../../pipelines/registry.js';
import type { ProcessorEntry } from '../../workers/runtime/processor.js';
import { type WorkerGroup, startWorkers } from '../../workers/runtime/run-workers.js';
import { type TestSystem, operatorKey, startTestSystem } from '../support/test-system.js';
import { recordScenario } from './support/scenario-result.js';
import { waitFor } from './support/processes.js';

/**
 * Scenario 4: a poison job (its processor always throws) uses up its attempts and lands in the
 * dead-letter set without holding up the jobs behind it — on a worker with concurrency 1, so a
 * stuck poison job would stop everything — is counted, listed, and replays on request (audited).
 *
 * The worker runs the real runtime (`startWorkers`) with a test-only processor table, so the poison
 * is a payload that passes validation and still makes the processor throw.
 */

const queue = 'question-validation' as const;
const normalJobs = 300;
let system: TestSystem;
let group: WorkerGroup;
let connection: RedisClient;
let healed = false;
const processed = new Map<string, number>();

const testProcessors: ProcessorEntry[] = Object.keys(registry[queue].jobs).map((job) => ({
  queue,
  job,
  process: async (payload: { question?: { id?: string; text: string } }) => {
    const id = payload.question?.id ?? 'unknown';
    if (id.startsWith('poison') && !healed) throw new Error('poison pill: this processor always throws');
    processed.set(id, (processed.get(id) ?? 0) + 1);
    return { ok: true };
  },
}));

beforeAll(async () => {
  system = await startTestSystem('fault-poison', { roles: { workers: [], ingress: true, schedulers: false } });
  connection = createRedisConnection(system.redisUrl, 'worker');
  group = startWorkers({
    queues: [queue],
    processors: testProcessors,
    connection,
    prefix: system.config.QUEUE_PREFIX,
    concurrency: () => 1,
    services: system.services,
    logger: createLogger('silent'),
  });
});
afterAll(async () => {
  await group?.close(5_000);
  await connection?.quit();
  await system?.close();
});

async function deadLettered(): Promise<number> {
  const metric = await jobsDeadLettered.get();
  return metric.values.filter((v) => v.labels.queue === queue).reduce((sum, v) => sum + v.value, 0);
}

describe('scenario 4: a poison job', () => {
  it('fails after its attempts without holding up others, is listed, and replays on request', async () => {
    const started = Date.now();
    const bullQueue = system.services.producer.queue(queue);
    const deadBefore = await deadLettered();

    // Written straight to BullMQ, as upstream producers may: 4 attempts, 200 ms apart, first in line.
    await bullQueue.add(
      'validate',
      { question: { id: 'poison-1', text: 'Explain why this question poisons its worker.', type: 'essay' } },
      { jobId: 'poison-1', attempts: 4, backoff: { type: 'fixed', delay: 200 } },
    );
    await system.services.producer.sendMany(
      queue,
      'validate',
      Array.from({ length: normalJobs }, (_, i) => ({
        payload: { question: { id: `normal-${i}`, text: `What is the purpose of step ${i} in this process?`, type: 'short_answer' as const } },
        options: { jobId: `normal-${i}` },
      })),
    );

    const poison = await waitFor(
      'the poison job to fail for good and the others to complete',
      async () => {
        const job = await Job.fromId(bullQueue, 'poison-1');
        const state = await job?.getState();
        return state === 'failed' && processed.size >= normalJobs ? job : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(poison!.attemptsMade).toBe(4);
    expect(poison!.failedReason).toMatch(/poison pill/);
    expect(await deadLettered()).toBe(deadBefore + 1);

    const listed = await system.request(`/api/admin/queues/${queue}/failed?limit=10`, { key: operatorKey });
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { total: number; items: { id: string; attemptsMade: number; maxAttempts: number }[] };
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ id: 'poison-1', attemptsMade: 4, maxAttempts: 4 });

    // The cause is fixed (a deploy, a data repair); the operator replays the dead letters.
    healed = true;
    const replay = await system.request(`/api/admin/queues/${queue}/replay-failed`, { method: 'POST', key: operatorKey });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ replayed: 1 });
    await waitFor('the replayed job to complete', async () => (await Job.fromId(bullQueue, 'poison-1'))?.finishedOn && (await bullQueue.getJobState('poison-1')) === 'completed', {
      timeoutMs: 30_000,
    });
    expect(await bullQueue.getFailedCount()).toBe(0);

    // The replay is in the audit log: who (key id), what, from where.
    const keyId = createHash('sha256').update(operatorKey).digest('hex').slice(0, 12);
    const audit = await waitFor(
      'the audit entry of the replay',
      async () => {
        const client = new pg.Client({ connectionString: system.databaseUrl });
        await client.connect();
        try {
          const { rows } = await client.query('SELECT actor, action, target, ip, details FROM audit_log WHERE action LIKE $1', ['POST /api/admin/queues/:queue/replay-failed']);
          return rows[0];
        } finally {
          await client.end();
        }
      },
      { timeoutMs: 10_000 },
    );
    expect(audit).toMatchObject({ actor: `key:${keyId}`, target: `/api/admin/queues/${queue}/replay-failed`, details: { status: 200 } });
    expect(audit.ip).toMatch(/127\.0\.0\.1/);

    const ids = [...processed.keys()];
    const completed = ids.length;
    const duplicated = [...processed.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    recordScenario({
      id: 4,
      scenario: 'poison job: dead-lettered, others flow, replayed',
      sent: normalJobs + 1,
      completed,
      lost: normalJobs + 1 - completed,
      duplicated,
      seconds: (Date.now() - started) / 1000,
      note: `poison failed after ${poison!.attemptsMade} attempts, dead-lettered +1, replayed 1 (audited)`,
    });
    expect(completed).toBe(normalJobs + 1);
    expect(duplicated).toBe(0);
  });
});
