import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../pipelines/redis-connection.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { insertSession } from '../../db/queries/sessions.js';
import { Producer } from '../../pipelines/producer.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { type RestartablePostgres, queryRows, restartablePostgres } from './support/fault-servers.js';
import { type RoleProcess, sleep, spawnRole, waitFor } from './support/processes.js';
import { recordScenario } from './support/scenario-result.js';

/**
 * Scenario 3: Postgres stops for 20 s while feedback jobs (a session's answers) flow to a real
 * worker process. Jobs fail while it is away and retry with backoff; once it is back every job
 * completes, none has used up its attempts, and no learner or question has an answer applied twice.
 */

const queue = 'feedback-loop' as const;
const learners = 150;
const answersPerSession = 10;
const questionCount = 40;
const outageMs = 20_000;
let postgres: RestartablePostgres;
let connection: RedisClient;
let producer: Producer;
let env: Record<string, string>;
const processes: RoleProcess[] = [];

beforeAll(async () => {
  postgres = await restartablePostgres();
  const db = createDatabase({ url: postgres.url, poolSize: 2 });
  try {
    await migrateToLatest(db);
    // Fixtures: a question bank and one generated session per learner, as session-generation
    // would have stored them.
    await queryRows(
      postgres.url,
      `INSERT INTO questions (id, content_hash, text, type, difficulty, category_id)
       SELECT 'pq-' || i, md5(i::text), 'Question ' || i || ': explain the idea.', 'short_answer', 1 + i % 5, 'cat-' || (i % 4)
       FROM generate_series(0, ${questionCount - 1}) AS i`,
    );
    for (let l = 0; l < learners; l++) {
      await insertSession(db, {
        id: `ps-${l}`,
        userId: `pl-${l}`,
        categoryId: null,
        createdAt: new Date(),
        questions: Array.from({ length: answersPerSession }, (_, k) => ({
          questionId: `pq-${(l + k * 3) % questionCount}`,
          position: k + 1,
          targetDifficulty: 0,
          targetSuccess: 0.75,
          predictedSuccess: 0.7,
          reason: 'novel',
          share: 'any' as const,
          phase: 'peak' as const,
          categoryId: null,
          due: false,
        })),
      });
    }
  } finally {
    await db.destroy();
  }
  const prefix = `f-pg-${randomUUID().slice(0, 8)}`;
  connection = createRedisConnection(inject('redisUrl'), 'producer');
  producer = new Producer(connection, prefix);
  env = { REDIS_URL: inject('redisUrl'), DATABASE_URL: postgres.url, QUEUE_PREFIX: prefix, CONCURRENCY_FEEDBACK_LOOP: '8' };
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await producer?.close();
  await connection?.quit();
  await postgres?.dispose();
});

const resultsJob = (l: number) => ({
  payload: {
    sessionId: `ps-${l}`,
    userId: `pl-${l}`,
    answers: Array.from({ length: answersPerSession }, (_, k) => ({
      questionId: `pq-${(l + k * 3) % questionCount}`,
      correct: (l + k) % 3 !== 0,
      responseMs: 5_000 + k * 100,
    })),
  },
  options: { jobId: `results-ps-${l}` },
});

describe('scenario 3: Postgres stops for 20 s while feedback jobs flow', () => {
  it('completes every job after it returns, none exhausted, no learner updated twice', async () => {
    const started = Date.now();
    const worker = spawnRole(['worker', '--queues', queue], env);
    processes.push(worker);

    // The flow: 25 sessions' answers a second for 6 s; Postgres stops once the worker has done its
    // first few, for 20 s.
    let sent = 0;
    const sending = (async () => {
      while (sent < learners) {
        const batch = Array.from({ length: Math.min(25, learners - sent) }, (_, k) => resultsJob(sent + k));
        await producer.sendMany(queue, 'results', batch);
        sent += batch.length;
        await sleep(1_000);
      }
    })();
    // The worker must be up (it migrates at start-up) before Postgres goes.
    await waitFor('the worker to complete its first jobs', async () => (await producer.queue(queue).getCompletedCount()) >= 10, {
      timeoutMs: 60_000,
      onTimeout: worker.output,
    });
    const completedBeforeStop = await producer.queue(queue).getCompletedCount();
    await postgres.stop();
    const stoppedAt = Date.now();
    await sleep(outageMs);
    await postgres.start();
    const outage = (Date.now() - stoppedAt) / 1000;
    await sending;

    const applied = async () =>
      Number((await queryRows<{ n: string }>(postgres.url, "SELECT count(*) AS n FROM feedback_applications WHERE job_key LIKE 'results-ps-%'"))[0]!.n);
    await waitFor('every feedback job to be applied', async () => (await applied()) === learners, {
      timeoutMs: 120_000,
      intervalMs: 500,
      onTimeout: worker.output,
    });
    const bull = producer.queue(queue);
    await waitFor('the queue to drain', async () => (await bull.getActiveCount()) + (await bull.getDelayedCount()) + (await bull.getWaitingCount()) === 0, { timeoutMs: 30_000 });

    const jobs = (await bull.getJobs(['completed'], 0, -1)).filter(Boolean);
    const maxAttempts = Math.max(...jobs.map((j) => j.attemptsMade));
    const retried = jobs.filter((j) => j.attemptsMade > 1).length;
    const failed = await bull.getFailedCount();

    // Applied once: each learner's model counts exactly its answers; each question's answer count
    // is the number of answers given to it; one attempt row per (session, question).
    const learnerRows = await queryRows<{ user_id: string; answers: number }>(postgres.url, "SELECT user_id, (state->>'answers')::int AS answers FROM learners WHERE user_id LIKE 'pl-%'");
    const overApplied = learnerRows.reduce((sum, r) => sum + Math.max(0, r.answers - answersPerSession), 0);
    const underApplied = learners * answersPerSession - learnerRows.reduce((sum, r) => sum + Math.min(r.answers, answersPerSession), 0);
    const [totals] = await queryRows<{ attempts: string; answer_counts: string }>(
      postgres.url,
      "SELECT (SELECT count(*) FROM attempts WHERE user_id LIKE 'pl-%') AS attempts, (SELECT sum(answer_count) FROM questions WHERE id LIKE 'pq-%') AS answer_counts",
    );
    const expectedAnswers = learners * answersPerSession;
    const duplicated = overApplied + Math.max(0, Number(totals!.answer_counts) - expectedAnswers) + Math.max(0, Number(totals!.attempts) - expectedAnswers);

    recordScenario({
      id: 3,
      scenario: `Postgres stopped ${Math.round(outage)} s while feedback jobs flow`,
      sent: learners,
      completed: jobs.length,
      lost: learners - jobs.length + (underApplied > 0 ? 1 : 0),
      duplicated,
      seconds: (Date.now() - started) / 1000,
      note: `${completedBeforeStop} done before the stop; ${retried} jobs retried, at most ${maxAttempts} of ${jobs[0]?.opts.attempts} attempts used; ${failed} failed`,
    });
    expect(retried).toBeGreaterThan(0); // the outage really hit jobs
    expect(failed).toBe(0);
    expect(maxAttempts).toBeLessThan(jobs[0]!.opts.attempts!);
    expect(jobs).toHaveLength(learners);
    expect(learnerRows).toHaveLength(learners);
    expect(underApplied).toBe(0);
    expect(duplicated).toBe(0);
    expect(Number(totals!.attempts)).toBe(expectedAnswers);
    expect(Number(totals!.answer_counts)).toBe(expectedAnswers);
  });
});
