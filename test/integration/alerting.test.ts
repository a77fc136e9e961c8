import { setTimeout as sleep } from 'node:timers/promises';
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRuleOverrides } from '../../core/alerts/alert-rule.js';
import { defaultAlertRules } from '../../core/alerts/default-alert-rules.js';
import { alertWebhookDropped } from '../../observability/alert-metrics.js';
import { createLogger } from '../../observability/logger.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import type { AlertEvaluationResult } from '../../workers/alerts/run-alert-evaluation.js';
import { WebhookNotifier } from '../../workers/alerts/webhook-notifier.js';
import { type TestSystem, operatorKey, producerKey, startTestSystem } from '../support/test-system.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * A real breach, end to end: question-validation has no worker in this system, so jobs pile up;
 * with queue-depth-high lowered to 5 (every other rule off) the monitoring worker — run by sending
 * it `evaluate-alerts` jobs, on a clock the test moves — must fire after the rule's 60 s, post
 * exactly one message to a local receiver, stay quiet within the cooldown and resolve on drain.
 */

const receiver = new WebhookReceiver();
let system: TestSystem;
let clock = Date.now();

const overrides: AlertRuleOverrides = Object.fromEntries(defaultAlertRules.map((r) => [r.id, { enabled: false }]));
overrides['queue-depth-high'] = { enabled: true, threshold: 5, duration: 60, cooldown: 600 };

beforeAll(async () => {
  await receiver.start();
  system = await startTestSystem('alerting', {
    roles: { workers: ['monitoring'], ingress: true, schedulers: false },
    env: { ALERT_WEBHOOK_URL: receiver.url, ALERT_RULE_OVERRIDES: JSON.stringify(overrides) },
    now: () => new Date(clock),
  });
});
afterAll(async () => {
  await system?.close();
  await receiver.close();
});

async function evaluate(): Promise<AlertEvaluationResult> {
  const id = await system.services.producer.send('monitoring', 'evaluate-alerts', {});
  const queue = system.services.producer.queue('monitoring');
  for (let i = 0; i < 600; i++) {
    // State first, then the job: a job read before it completed has no return value yet.
    const state = await queue.getJobState(id);
    if (state === 'completed') return (await Job.fromId(queue, id))!.returnvalue as AlertEvaluationResult;
    if (state === 'failed') throw new Error(`evaluation failed: ${(await Job.fromId(queue, id))!.failedReason}`);
    await sleep(20);
  }
  throw new Error('evaluation did not finish');
}

let fill = 0;
async function enqueueQuestions(n: number): Promise<void> {
  await system.services.producer.sendMany(
    'question-validation',
    'validate',
    Array.from({ length: n }, () => ({ payload: { question: { text: `What is the purpose of a page table? (${++fill})`, type: 'short_answer' as const } } })),
  );
}

const operatorGet = async (path: string) => {
  const res = await system.request(path, { key: operatorKey });
  expect(res.status).toBe(200);
  return (await res.json()) as any[];
};

describe('alert engine: a queue filled past its threshold with no worker', () => {
  const key = 'queue-depth-high/question-validation';

  it('pending, then firing after its duration with exactly one webhook message, quiet within the cooldown, resolved on drain', async () => {
    const start = clock;
    await enqueueQuestions(8);

    const first = await evaluate();
    expect(first.pending).toEqual([key]);
    expect(first.firing).toEqual([]);
    expect(receiver.messages).toHaveLength(0);
    expect(await operatorGet('/api/alerts/active')).toEqual([]);

    clock = start + 30_000;
    expect((await evaluate()).pending).toEqual([key]); // 30 s < 60 s
    expect(receiver.messages).toHaveLength(0);

    clock = start + 60_000;
    const fired = await evaluate();
    expect(fired.fired).toEqual([key]);
    expect(fired.firing).toEqual([key]);
    expect(fired.notifications).toMatchObject({ delivered: 1, dropped: 0, failed: 0 });
    expect(receiver.messages).toHaveLength(1);
    const message = receiver.messages[0]!.body;
    expect(message).toMatchObject({
      status: 'firing',
      text: expect.stringContaining('Queue question-validation has 8 jobs waiting (threshold 5)'),
      alert: { key, rule: 'queue-depth-high', labels: { queue: 'question-validation' }, value: 8, threshold: 5 },
    });
    expect(receiver.messages[0]!.headers['content-type']).toBe('application/json');

    const active = await operatorGet('/api/alerts/active');
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ key, rule: 'queue-depth-high', status: 'firing', severity: 'warning', value: 8 });
    expect(active[0].notifiedAt).toBe(new Date(start + 60_000).toISOString());

    // Further breaches, worse ones too, within the 600 s cooldown: nothing more is sent.
    for (const at of [75, 120, 300, 540, 655]) {
      clock = start + at * 1000;
      await enqueueQuestions(3);
      const again = await evaluate();
      expect(again.firing).toEqual([key]);
      expect(again.fired).toEqual([]);
    }
    expect(receiver.messages).toHaveLength(1);

    // The queue drains: the alert resolves, and the resolution is announced once.
    await system.services.producer.queue('question-validation').drain();
    clock = start + 670_000;
    const drained = await evaluate();
    expect(drained.resolved).toEqual([key]);
    expect(drained.firing).toEqual([]);
    expect(receiver.messages).toHaveLength(2);
    expect(receiver.messages[1]!.body).toMatchObject({ status: 'resolved', text: expect.stringMatching(/^\[RESOLVED\]/), alert: { key } });

    expect(await operatorGet('/api/alerts/active')).toEqual([]);
    const history = await operatorGet('/api/alerts/history');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ key, status: 'resolved', resolvedAt: new Date(start + 670_000).toISOString() });

    // Quiet afterwards: nothing breaching, nothing sent.
    clock = start + 700_000;
    const calm = await evaluate();
    expect(calm).toMatchObject({ firing: [], pending: [], resolved: [] });
    expect(receiver.messages).toHaveLength(2);
  });

  it('the alert endpoints are for operators only and validate their input', async () => {
    expect((await system.request('/api/alerts/active', { key: null })).status).toBe(401);
    expect((await system.request('/api/alerts/history', { key: producerKey })).status).toBe(403);
    const bad = await system.request('/api/alerts/history?limit=5000', { key: operatorKey });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe('invalid_request');
  });
});

describe('webhook notifier', () => {
  const logger = createLogger('silent');
  const payload = (i: number) => ({
    text: `[FIRING:WARNING] test-${i}: message ${i}`,
    source: 'learnloop' as const,
    status: 'firing' as const,
    reminder: false,
    alert: { key: `test-${i}`, rule: 'test', severity: 'warning', labels: {}, value: i, threshold: 0, operator: '>', message: `message ${i}`, startedAt: new Date().toISOString() },
    sentAt: new Date().toISOString(),
  });

  it('50 alerts fired within a minute from two processes deliver at most 12 messages; the rest are dropped and counted', async () => {
    const rateReceiver = await new WebhookReceiver().start();
    // Two Redis connections and notifiers: two processes sharing one limiter through Redis.
    const connections = [createRedisConnection(system.redisUrl, 'worker'), createRedisConnection(system.redisUrl, 'worker')];
    try {
      const prefix = `${system.config.QUEUE_PREFIX}-rate`;
      const notifiers = connections.map((redis) => new WebhookNotifier({ url: rateReceiver.url, redis, prefix, logger }));
      const droppedBefore = (await alertWebhookDropped.get()).values[0]?.value ?? 0;
      const t = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => notifiers[i % 2]!.send(payload(i), new Date(t + i * 1000))),
      );
      expect(outcomes.filter((o) => o === 'delivered')).toHaveLength(12);
      expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(38);
      expect(rateReceiver.messages).toHaveLength(12);
      expect((await alertWebhookDropped.get()).values[0]?.value).toBe(droppedBefore + 38);

      // A sliding minute: once the first sends are a minute old, there is room again.
      expect(await notifiers[0]!.send(payload(50), new Date(t + 59_000))).toBe('dropped');
      expect(await notifiers[0]!.send(payload(51), new Date(t + 61_000))).toBe('delivered');
      expect(rateReceiver.messages).toHaveLength(13);
    } finally {
      await Promise.all(connections.map((c) => c.quit()));
      await rateReceiver.close();
    }
  });

  it('retries 5xx with backoff (3 retries), gives up on a 4xx, and sends nothing without a URL', async () => {
    const flaky = await new WebhookReceiver().start();
    const redis = createRedisConnection(system.redisUrl, 'worker');
    try {
      const notifier = new WebhookNotifier({ url: flaky.url, redis, prefix: `${system.config.QUEUE_PREFIX}-retry`, logger, backoffMs: 5 });
      flaky.respondWith(503, 502, 500);
      expect(await notifier.send(payload(1), new Date())).toBe('delivered');
      expect(flaky.messages).toHaveLength(4); // three failures, then delivered on the third retry

      flaky.clear();
      flaky.respondWith(500, 500, 500, 500, 500);
      expect(await notifier.send(payload(2), new Date())).toBe('failed');
      expect(flaky.messages).toHaveLength(4); // 1 attempt + 3 retries, no more

      flaky.clear();
      flaky.respondWith(400);
      expect(await notifier.send(payload(3), new Date())).toBe('failed');
      expect(flaky.messages).toHaveLength(1);

      const off = new WebhookNotifier({ url: undefined, redis, prefix: 'unused', logger });
      expect(await off.send(payload(4), new Date())).toBe('disabled');
    } finally {
      await redis.quit();
      await flaky.close();
    }
  });
});
