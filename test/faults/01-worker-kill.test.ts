import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../pipelines/redis-connection.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Producer } from '../../pipelines/producer.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { createTestDatabase } from '../support/test-system.js';
import { queryRows } from './support/fault-servers.js';
import { type RoleProcess, cpuSeconds, spawnRole, waitFor } from './support/processes.js';
import { recordScenario } from './support/scenario-result.js';

/**
 * Scenario 1: `kill -9` a worker process in the middle of 5 000 validation jobs and start another.
 * The killed worker's active jobs lose their lock, stalled-job detection puts them back, and the new
 * worker finishes everything: all 5 000 questions stored, each exactly once.
 */

const total = 5_000;
const queue = 'question-validation' as const;
let databaseUrl: string;
let connection: RedisClient;
let producer: Producer;
let env: Record<string, string>;
const workers: RoleProcess[] = [];

beforeAll(async () => {
  databaseUrl = await createTestDatabase('fault-kill');
  const prefix = `f-kill-${randomUUID().slice(0, 8)}`;
  connection = createRedisConnection(inject('redisUrl'), 'producer');
  producer = new Producer(connection, prefix);
  env = {
    REDIS_URL: inject('redisUrl'),
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    // Shorter than production (30 s / 15 s) so the test does not wait half a minute for the lock.
    WORKER_LOCK_DURATION_MS: '5000',
    WORKER_STALLED_INTERVAL_MS: '2000',
    CONCURRENCY_QUESTION_VALIDATION: '16',
    BLOOM_THREADS: '2',
  };
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await producer?.close();
  await connection?.quit();
});

const stored = async () =>
  Number((await queryRows<{ n: string }>(databaseUrl, "SELECT count(DISTINCT question_id) AS n FROM question_validations WHERE question_id LIKE 'kill-%'"))[0]!.n);

describe('scenario 1: kill -9 a worker mid-batch', () => {
  it('completes all 5 000 jobs after the crash, each question stored once', async () => {
    const started = Date.now();
    const types = ['short_answer', 'essay', 'multiple_choice', 'true_false'] as const;
    for (let from = 0; from < total; from += 500) {
      await producer.sendMany(
        queue,
        'validate',
        Array.from({ length: Math.min(500, total - from) }, (_, k) => {
          const i = from + k;
          return {
            payload: { question: { id: `kill-${i}`, text: `Explain how step ${i} of the sorting algorithm changes its running time on nearly sorted input.`, type: types[i % types.length]! } },
            options: { jobId: `kill-${i}` },
          };
        }),
      );
    }

    const first = spawnRole(['worker', '--queues', queue], env);
    workers.push(first);
    await waitFor('the first worker to store a third of the questions', async () => (await stored()) >= total / 3, {
      timeoutMs: 150_000,
      intervalMs: 200,
      onTimeout: first.output,
    });
    const activeAtKill = await producer.queue(queue).getActiveCount();
    const storedAtKill = await stored();
    const cpuFirst = cpuSeconds(first.child.pid) ?? 0;
    await first.stop('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = spawnRole(['worker', '--queues', queue], env);
    workers.push(second);
    await waitFor('the second worker to finish every job', async () => (await stored()) === total, {
      timeoutMs: 180_000,
      intervalMs: 500,
      onTimeout: () => `stored ${storedAtKill} at the kill; now: see above\n${second.output()}`,
    });

    // Once = one question row per id and one validation per (question, model version): a model
    // retrained between the two workers rightly validates the re-run questions again.
    const [counts] = await queryRows<{ questions: string; distinct_questions: string; validations: string; distinct_validations: string; distinct_validated: string }>(
      databaseUrl,
      `SELECT (SELECT count(*) FROM questions WHERE id LIKE 'kill-%') AS questions,
              (SELECT count(DISTINCT id) FROM questions WHERE id LIKE 'kill-%') AS distinct_questions,
              (SELECT count(*) FROM question_validations WHERE question_id LIKE 'kill-%') AS validations,
              (SELECT count(*) FROM (SELECT DISTINCT question_id, model_version FROM question_validations WHERE question_id LIKE 'kill-%') v) AS distinct_validations,
              (SELECT count(DISTINCT question_id) FROM question_validations WHERE question_id LIKE 'kill-%') AS distinct_validated`,
    );
    const completed = Number(counts!.distinct_validated);
    const duplicated = Number(counts!.questions) - Number(counts!.distinct_questions) + (Number(counts!.validations) - Number(counts!.distinct_validations));
    const failed = await producer.queue(queue).getFailedCount();
    const workerCpu = cpuFirst + (cpuSeconds(second.child.pid) ?? 0);

    recordScenario({
      id: 1,
      scenario: 'kill -9 a worker mid-batch, start another',
      sent: total,
      completed,
      lost: total - completed,
      duplicated,
      seconds: (Date.now() - started) / 1000,
      note: `killed with ${activeAtKill} jobs active after ${storedAtKill} stored; ${failed} failed; workers used ${workerCpu.toFixed(0)} CPU s`,
    });
    expect(activeAtKill).toBeGreaterThan(0);
    expect(storedAtKill).toBeLessThan(total);
    expect(completed).toBe(total);
    expect(duplicated).toBe(0);
    expect(failed).toBe(0);
  });
});
