import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AlertRule } from '../../core/alerts/alert-rule.js';
import { defaultAlertRules } from '../../core/alerts/default-alert-rules.js';
import * as migrateAlertRuleFields from '../../db/migrations/0018_alert_rule_runbook_fields.js';
import { seedAlertRules } from '../../db/queries/alert-rules.js';
import { ClusterRequestStats, readRequestFigures } from '../../observability/cluster-request-stats.js';
import { collectAlertSamples } from '../../workers/alerts/collect-alert-samples.js';
import { finishedJob } from '../support/finished-job.js';
import { type TestSystem, operatorKey, producerKey, startTestSystem } from '../support/test-system.js';

/**
 * Alert rules as data: stored in Postgres, managed through /api/alerts/rules by operators, read by
 * the real monitoring worker at every evaluation. The queue `retention-cleanup` has no worker in
 * this system, so a job sent to it waits — a breach the test controls.
 */

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('alert-rules', { roles: { workers: ['monitoring'] } });
});
afterAll(async () => {
  await system?.close();
});

const asOperator = (path: string, init: RequestInit & { json?: unknown } = {}) => system.request(path, { ...init, key: operatorKey });

async function evaluate() {
  const id = await system.services.producer.send('monitoring', 'evaluate-alerts', {});
  const outcome = await finishedJob(system.services.producer.queue('monitoring'), id);
  expect(outcome.state).toBe('completed');
  return outcome.result;
}

const rule: AlertRule = {
  id: 'retention-backlog',
  metric: 'queue_depth',
  operator: '>',
  threshold: 0,
  duration: 0,
  cooldown: 0,
  severity: 'high',
  message: 'Queue {queue} has {value} jobs waiting (threshold {threshold}).',
  enabled: true,
};
const key = 'retention-backlog/retention-cleanup';

describe('the seeds\' rules ship as stored defaults', () => {
  it('GET /api/alerts/rules lists every built-in rule, with the runbook\'s decision-latency rule', async () => {
    const res = await asOperator('/api/alerts/rules');
    expect(res.status).toBe(200);
    const rules = (await res.json()) as AlertRule[];
    expect(rules.map((r) => r.id).sort()).toEqual(defaultAlertRules.map((r) => r.id).sort());
    expect(rules.find((r) => r.id === 'decision-write-p99-high')).toMatchObject({ threshold: 500, duration: 120, cooldown: 300, severity: 'high' });
    expect(rules.filter((r) => r.metric === 'api_latency_p50_ms').map((r) => r.threshold).sort()).toEqual([1000, 500]);
    expect(rules.find((r) => r.metric === 'cache_hit_rate')).toMatchObject({ operator: '<', threshold: 0.6 });
  });
});

describe('rules managed at run time', () => {
  it('refuses bad rules with the uniform 400, producers with 403, a duplicate id with 409', async () => {
    const bad = await asOperator('/api/alerts/rules', { method: 'POST', json: { ...rule, metric: 'moon_phase' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe('invalid_request');
    const extra = await asOperator('/api/alerts/rules', { method: 'POST', json: { ...rule, colour: 'red' } });
    expect(extra.status).toBe(400);
    const producer = await system.request('/api/alerts/rules', { method: 'POST', json: rule, key: producerKey });
    expect(producer.status).toBe(403);
    expect((await asOperator('/api/alerts/rules/queue-depth-high', { method: 'POST', json: rule })).status).toBe(404);
    expect(await system.query(`SELECT id FROM alert_rules WHERE id = $1`, [rule.id])).toEqual([]);
  });

  it('a rule created through the API fires — the item says metric, value, threshold, operator, occurredAt, severity, message — and resolves', async () => {
    const created = await asOperator('/api/alerts/rules', { method: 'POST', json: rule });
    expect(created.status).toBe(201);
    expect((await asOperator('/api/alerts/rules', { method: 'POST', json: rule })).status).toBe(409);

    await system.services.producer.send('retention-cleanup', 'rollup', { day: '2024-01-01' });
    const fired = await evaluate();
    expect(fired.fired).toContain(key);
    const active = (await (await asOperator('/api/alerts/active')).json()) as any[];
    const item = active.find((a) => a.key === key);
    expect(item).toMatchObject({
      rule: rule.id,
      metric: 'queue_depth',
      value: 1,
      threshold: 0,
      operator: '>',
      severity: 'high',
      message: 'Queue retention-cleanup has 1 jobs waiting (threshold 0).',
    });
    expect(Number.isNaN(Date.parse(item.occurredAt))).toBe(false);

    // Raised above the backlog at run time: the next evaluation resolves it.
    const raised = await asOperator(`/api/alerts/rules/${rule.id}`, { method: 'PUT', json: { ...rule, id: undefined, threshold: 5 } });
    expect(raised.status).toBe(200);
    expect(((await raised.json()) as AlertRule).threshold).toBe(5);
    expect((await evaluate()).resolved).toContain(key);
    expect(((await (await asOperator('/api/alerts/active')).json()) as any[]).map((a) => a.key)).not.toContain(key);
    const history = (await (await asOperator('/api/alerts/history')).json()) as any[];
    expect(history.find((a) => a.key === key)).toMatchObject({ status: 'resolved', metric: 'queue_depth', threshold: 0, operator: '>' });

    // Lowered again it fires again; draining the queue resolves it.
    expect((await asOperator(`/api/alerts/rules/${rule.id}`, { method: 'PUT', json: { ...rule, threshold: 0 } })).status).toBe(200);
    expect((await evaluate()).fired).toContain(key);
    await system.services.producer.queue('retention-cleanup').obliterate({ force: true });
    expect((await evaluate()).resolved).toContain(key);
  });

  it('PUT names the rule in the path; DELETE removes it; every change is audited with the rule', async () => {
    expect((await asOperator(`/api/alerts/rules/${rule.id}`, { method: 'PUT', json: { ...rule, id: 'other-id' } })).status).toBe(400);
    expect((await asOperator('/api/alerts/rules/no-such-rule', { method: 'PUT', json: { ...rule, id: undefined } })).status).toBe(404);
    expect((await asOperator(`/api/alerts/rules/${rule.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await asOperator(`/api/alerts/rules/${rule.id}`)).status).toBe(404);
    expect((await asOperator(`/api/alerts/rules/${rule.id}`, { method: 'DELETE' })).status).toBe(404);
    const audit = await system.query(`SELECT action, actor, details FROM audit_log WHERE target = $1 AND action LIKE 'alert-rule.%' ORDER BY id`, [rule.id]);
    expect(audit.map((a) => a.action)).toEqual(['alert-rule.created', 'alert-rule.replaced', 'alert-rule.replaced', 'alert-rule.deleted']);
    expect(audit[1].details).toMatchObject({ before: { threshold: 0 }, after: { threshold: 5 } });
    expect(audit.every((a) => a.actor.startsWith('key:'))).toBe(true);
  });

  it('a deleted built-in rule stays deleted when the defaults are seeded again (a restart)', async () => {
    expect((await asOperator('/api/alerts/rules/cache-hit-rate-low', { method: 'DELETE' })).status).toBe(204);
    await seedAlertRules(system.services.db, defaultAlertRules);
    expect((await asOperator('/api/alerts/rules/cache-hit-rate-low')).status).toBe(404);
    // …and an operator may create it again.
    const again = defaultAlertRules.find((r) => r.id === 'cache-hit-rate-low')!;
    expect((await asOperator('/api/alerts/rules', { method: 'POST', json: { ...again, threshold: 0.5 } })).status).toBe(201);
    expect(((await (await asOperator('/api/alerts/rules/cache-hit-rate-low')).json()) as AlertRule).threshold).toBe(0.5);
  });

  it('a rule stored under the old field names (comparison, forSeconds, cooldownSeconds) reads in the runbook\'s names after migration 0018', async () => {
    const old = { metric: 'queue_depth', comparison: '>=', threshold: 7, forSeconds: 45, cooldownSeconds: 600, severity: 'info', message: 'old {value}', enabled: false };
    await system.query(`INSERT INTO alert_rules (id, rule) VALUES ('stored-before-0018', $1::jsonb)`, [JSON.stringify(old)]);
    await migrateAlertRuleFields.up(system.services.db as never);
    const res = await asOperator('/api/alerts/rules/stored-before-0018');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'stored-before-0018', metric: 'queue_depth', operator: '>=', threshold: 7, duration: 45, cooldown: 600, severity: 'info', message: 'old {value}', enabled: false });
    // Posting the old names is refused with the uniform 400 rather than half-read.
    const refused = await asOperator('/api/alerts/rules', { method: 'POST', json: { id: 'old-names', ...old } });
    expect(refused.status).toBe(400);
  });
});

describe('the new signals are collected cluster-wide', () => {
  it('API latency p50/p99, 5xx rate and cache hit rate from every process\'s counts in Redis; flow state and validations from Postgres', async () => {
    // The ingress records its own /api requests (the ones this file made) under the system's prefix…
    await vi.waitFor(
      async () => expect((await readRequestFigures(system.services.redis, system.config.QUEUE_PREFIX, 5, Date.now())).requests).toBeGreaterThan(10),
      { timeout: 30_000, interval: 200 },
    );
    // …and a prefix of its own here gives counts the test fully controls.
    const prefix = `${system.config.QUEUE_PREFIX}-signals`;
    const now = Date.now();
    const stats = new ClusterRequestStats(system.services.redis, prefix, 60_000);
    for (let i = 0; i < 100; i++) stats.request(i < 60 ? 700 : 20, i < 2 ? 500 : 200, now);
    stats.cacheLookup('question', true, now);
    for (let i = 0; i < 3; i++) stats.cacheLookup('profile', false, now);
    await stats.close();
    const at = new Date(now - 60_000);
    for (let i = 0; i < 5; i++) {
      await system.query(
        `INSERT INTO sessions (id, user_id, size, questions, status, success_rate, flow_achieved, created_at, completed_at) VALUES ($1, 'u', 1, '[]', 'completed', 0.5, $2, $3, $3)`,
        [`flow-${i}`, i === 0, at],
      );
    }
    const samples = await collectAlertSamples({
      producer: system.services.producer,
      redis: system.services.redis,
      db: system.services.db,
      prefix,
      now: new Date(now),
    });
    const value = (metric: string) => samples.find((s) => s.metric === metric)?.value;
    // 60 of 100 in the 600–1000 ms bucket: the median lies inside it, above the 600 ms bound.
    expect(value('api_latency_p50_ms')).toBeGreaterThan(600);
    expect(value('api_latency_p50_ms')).toBeLessThanOrEqual(1000);
    expect(value('http_5xx_rate')).toBeCloseTo(0.02, 10);
    expect(value('cache_hit_rate')).toBeCloseTo(0.25, 10);
    expect(value('flow_state_rate')).toBeCloseTo(0.2, 10);
    // Fewer than 5 validations in the hour: no figure rather than a noisy one.
    expect(value('validation_confidence_mean')).toBeUndefined();
    expect(value('validation_accuracy')).toBeUndefined();
  });

  it('validation accuracy: agreement with the authors\' intended level, over labelled validations only', async () => {
    const insert = (i: number, level: string, intendedLevel?: string) =>
      system.query(
        `WITH q AS (INSERT INTO questions (id, content_hash, text, type) VALUES ($1, $1, 'Explain why.', 'essay') RETURNING id)
         INSERT INTO question_validations (question_id, content_hash, model_version, level, knowledge_dimension, complexity, confidence, quality_score, passed, suggestions, evidence)
         SELECT id, id, 'm', $2, 'conceptual', 0.5, 0.6, 0.8, true, '[]', $3::jsonb FROM q`,
        [`acc-${i}`, level, JSON.stringify(intendedLevel ? { intendedLevel, agreesWithIntended: intendedLevel === level } : {})],
      );
    // 6 labelled (4 read at the intended level), 3 unlabelled that must not count.
    for (let i = 0; i < 4; i++) await insert(i, 'Apply', 'Apply');
    await insert(4, 'Understand', 'Analyze');
    await insert(5, 'Remember', 'Create');
    for (let i = 6; i < 9; i++) await insert(i, 'Remember');
    const samples = await collectAlertSamples({
      producer: system.services.producer,
      redis: system.services.redis,
      db: system.services.db,
      prefix: system.config.QUEUE_PREFIX,
      now: new Date(),
    });
    expect(samples.find((s) => s.metric === 'validation_accuracy')?.value).toBeCloseTo(4 / 6, 10);
  });
});
