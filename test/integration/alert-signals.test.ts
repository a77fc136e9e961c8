import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AlertRule } from '../../core/alerts/alert-rule.js';
import { defaultAlertRules } from '../../core/alerts/default-alert-rules.js';
import { readDecisionWriteP99, recordDecisionWriteLatency } from '../../observability/decision-write-latency.js';
import { JobOutcomeRecorder, readJobOutcomes } from '../../observability/job-outcome-counters.js';
import { createLogger } from '../../observability/logger.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { runAlertEvaluation } from '../../workers/alerts/run-alert-evaluation.js';
import { WebhookNotifier } from '../../workers/alerts/webhook-notifier.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

/**
 * The alert signals come from shared stores, not from one process's registry: queue counts and
 * worker connections from Redis, job outcomes and decision-write latency from per-minute counts in
 * Redis, backup verification from PostgreSQL. The evaluation is called directly here, with every
 * built-in rule at duration 0, on the test's own clock.
 */

let system: TestSystem;
const clock = Date.now();
const logger = createLogger('silent');
const rules: AlertRule[] = defaultAlertRules.map((r) => ({ ...r, duration: 0 }));

beforeAll(async () => {
  system = await startTestSystem('alert-signals', { roles: { workers: ['monitoring'], ingress: false, schedulers: false }, now: () => new Date(clock) });
});
afterAll(async () => {
  await system?.close();
});

function evaluate(at = clock, ruleSet: readonly AlertRule[] = rules) {
  const { db, redis, producer, config } = system.services;
  return runAlertEvaluation({
    db,
    redis,
    producer,
    prefix: config.QUEUE_PREFIX,
    rules: ruleSet,
    notifier: new WebhookNotifier({ url: undefined, redis, prefix: config.QUEUE_PREFIX, logger }),
    now: new Date(at),
    log: logger,
  });
}

describe('alert signals from shared stores', () => {
  it('a queue with waiting jobs and no worker fires; a connected worker ends it', async () => {
    const { producer } = system.services;
    await producer.send('question-validation', 'validate', { question: { text: 'Define a mutex.', type: 'short_answer' } });
    const before = await evaluate();
    expect(before.firing).toContain('queue-without-worker/question-validation');
    // monitoring has this system's worker, and nothing waiting.
    expect(before.firing).not.toContain('queue-without-worker/monitoring');

    // A worker elsewhere (another process, as far as Redis can tell) connects to the queue.
    const connection = createRedisConnection(system.redisUrl, 'worker');
    const worker = new Worker('question-validation', async () => undefined, { connection, prefix: system.config.QUEUE_PREFIX, autorun: false });
    try {
      await worker.waitUntilReady();
      await vi.waitFor(async () => expect(await producer.queue('question-validation').getWorkersCount()).toBeGreaterThan(0), { timeout: 30_000, interval: 20 });
      const after = await evaluate();
      expect(after.resolved).toContain('queue-without-worker/question-validation');
      expect(after.firing).not.toContain('queue-without-worker/question-validation');
    } finally {
      await worker.close();
      await connection.quit();
    }
    await producer.queue('question-validation').drain();
  });

  it('job error rate and dead-lettered jobs over the last 5 minutes, from counts every process adds to', async () => {
    const { redis, config } = system.services;
    // Two "processes" record into the same per-minute counts.
    const a = new JobOutcomeRecorder(redis, config.QUEUE_PREFIX, 60_000);
    const b = new JobOutcomeRecorder(redis, config.QUEUE_PREFIX, 60_000);
    for (let i = 0; i < 60; i++) a.add('feedback-loop', ['completed'], clock - 30_000);
    for (let i = 0; i < 37; i++) b.add('feedback-loop', ['completed'], clock - 150_000);
    b.add('feedback-loop', ['failed'], clock - 10_000);
    b.add('feedback-loop', ['failed'], clock - 10_000);
    a.add('feedback-loop', ['failed', 'dead'], clock - 20_000);
    // Outside the window: must not dilute the rate.
    for (let i = 0; i < 500; i++) a.add('feedback-loop', ['completed'], clock - 7 * 60_000);
    await Promise.all([a.close(), b.close()]);

    const counts = (await readJobOutcomes(redis, config.QUEUE_PREFIX, 5, clock)).get('feedback-loop');
    expect(counts).toEqual({ completed: 97, failed: 3, dead: 1 });

    const result = await evaluate();
    expect(result.firing).toEqual(expect.arrayContaining(['job-error-rate-high/feedback-loop', 'jobs-dead-lettered/feedback-loop']));
    const rows = await system.services.db.selectFrom('alerts').selectAll().where('status', '=', 'firing').execute();
    expect(rows.find((r) => r.rule_id === 'job-error-rate-high/feedback-loop')?.value).toBeCloseTo(0.03, 6);
    expect(rows.find((r) => r.rule_id === 'jobs-dead-lettered/feedback-loop')?.value).toBe(1);

    // Six minutes on, the window is empty: both resolve.
    const later = await evaluate(clock + 6 * 60_000);
    expect(later.resolved).toEqual(expect.arrayContaining(['job-error-rate-high/feedback-loop', 'jobs-dead-lettered/feedback-loop']));
  });

  it('the worker runtime counts real job outcomes into Redis', async () => {
    const { producer, redis, config } = system.services;
    await producer.send('monitoring', 'evaluate-alerts', {});
    // The runtime flushes its counts once a second.
    await vi.waitFor(
      async () => expect((await readJobOutcomes(redis, config.QUEUE_PREFIX, 5, clock)).get('monitoring')?.completed).toBeGreaterThanOrEqual(1),
      { timeout: 30_000, interval: 50 },
    );
  });

  it('decision-write p99 from the shared latency histogram', async () => {
    const { redis, config } = system.services;
    const prefix = config.QUEUE_PREFIX;
    expect(await readDecisionWriteP99(redis, prefix, 5, clock)).toEqual({ count: 0 });
    expect((await evaluate()).firing).not.toContain('decision-write-p99-high');

    await recordDecisionWriteLatency(redis, prefix, Array.from({ length: 990 }, () => 20), clock - 60_000);
    await recordDecisionWriteLatency(redis, prefix, Array.from({ length: 10 }, () => 800), clock);
    const fast = await readDecisionWriteP99(redis, prefix, 5, clock);
    expect(fast.count).toBe(1000);
    expect(fast.p99Ms).toBeLessThanOrEqual(500); // exactly 1% slow: not above

    await recordDecisionWriteLatency(redis, prefix, [900, 1200, 3000, 700, 650], clock);
    const slow = await readDecisionWriteP99(redis, prefix, 5, clock);
    expect(slow.p99Ms).toBeGreaterThan(500);
    const result = await evaluate();
    expect(result.firing).toContain('decision-write-p99-high');
  });

  it('no verified backup for more than 26 hours fires; a fresh verification resolves it', async () => {
    const { db } = system.services;
    // Fresh install and no backup: the schema's install time starts the grace period.
    expect((await evaluate()).firing).not.toContain('backup-not-verified');
    expect((await evaluate(clock + 27 * 3_600_000)).firing).toContain('backup-not-verified');

    const hoursAgo = (h: number) => new Date(clock + 27 * 3_600_000 - h * 3_600_000);
    await db
      .insertInto('backups')
      .values([
        { id: 'b-old', status: 'completed', verified_at: hoursAgo(30), verify_status: 'passed' },
        { id: 'b-bad', status: 'completed', verified_at: hoursAgo(1), verify_status: 'failed' },
      ])
      .execute();
    expect((await evaluate(clock + 27 * 3_600_000)).firing).toContain('backup-not-verified');
    await db.insertInto('backups').values({ id: 'b-new', status: 'completed', verified_at: hoursAgo(2), verify_status: 'passed' }).execute();
    expect((await evaluate(clock + 27 * 3_600_000)).resolved).toContain('backup-not-verified');
  });

  it('one evaluation at a time: a second one while the first holds the lock does nothing', async () => {
    const { redis, config } = system.services;
    await redis.set(`${config.QUEUE_PREFIX}:alerts:evaluation-lock`, 'someone-else', 'PX', 5_000);
    try {
      expect(await evaluate()).toEqual({ firing: [], resolved: [], skipped: true });
    } finally {
      await redis.del(`${config.QUEUE_PREFIX}:alerts:evaluation-lock`);
    }
    expect((await evaluate()).skipped).toBeUndefined();
  });

  it('history keeps the last 200 alerts', async () => {
    const { db } = system.services;
    const flap: AlertRule[] = [{ ...rules.find((r) => r.id === 'queue-depth-high')!, threshold: 0, cooldown: 0 }];
    await system.services.producer.send('question-validation', 'validate', { question: { text: 'Define a semaphore.', type: 'short_answer' } });
    // 198 old resolved alerts, then the same alert fired and resolved 5 times (disabling the rule
    // resolves it): 203 in all, trimmed to the newest 200.
    const old = new Date(clock - 86_400_000);
    await db
      .insertInto('alerts')
      .values(Array.from({ length: 198 }, (_, i) => ({ rule_id: `old-${i}`, severity: 'warning', status: 'resolved', message: 'old', started_at: new Date(old.getTime() + i), resolved_at: old })))
      .execute();
    for (let i = 0; i < 5; i++) {
      await evaluate(clock + i * 1000, flap);
      await evaluate(clock + i * 1000 + 500, [{ ...flap[0]!, enabled: false }]);
    }
    const { n } = await db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['firing', 'resolved']).executeTakeFirstOrThrow();
    expect(Number(n)).toBe(200);
    // The oldest went, the newest stayed.
    const oldest = await db.selectFrom('alerts').select('rule_id').where('rule_id', 'in', ['old-0', 'old-1', 'old-197']).execute();
    expect(oldest.map((r) => r.rule_id)).toEqual(['old-197']);
  });
});
