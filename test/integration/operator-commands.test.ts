import { Cluster } from 'ioredis';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runOperatorCli } from '../../cli/commands/index.js';
import { cacheKey } from '../../db/cache/cache-keys.js';
import { metricsRegistry } from '../../observability/metrics-registry.js';
import { WebhookRateLimiter } from '../../workers/alerts/webhook-rate-limiter.js';
import { seedLearner } from '../support/learner-rows.js';
import { seedQuestionBank } from '../support/question-bank.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Every runbook routine as a command, run against a running system's Redis and Postgres (the
 * REDIS_URL / DATABASE_URL of a started system), exactly as an operator runs it next to `npm start`.
 */

let system: TestSystem;
let receiver: WebhookReceiver;
let backupDir: string;
let env: Record<string, string>;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string; json: () => any }> {
  return runWith(env, ...argv);
}
async function runWith(environment: Record<string, string>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOperatorCli(argv, environment, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  backupDir = mkdtempSync(join(tmpdir(), 'learnloop-ops-'));
  system = await startTestSystem('operator-cli', {
    roles: { workers: ['session-generation', 'feedback-loop', 'decision-insights', 'question-validation'] },
    env: { ALERT_WEBHOOK_URL: receiver.url, BACKUP_DIR: backupDir },
  });
  env = {
    REDIS_URL: system.redisUrl,
    DATABASE_URL: system.databaseUrl,
    QUEUE_PREFIX: system.config.QUEUE_PREFIX,
    LOG_LEVEL: 'silent',
    BACKUP_DIR: backupDir,
    DATA_DIR: backupDir,
    ALERT_WEBHOOK_URL: receiver.url,
    API_KEYS: 'operator:operator-key-for-tests-000001',
  };
  await seedQuestionBank(system.services.db, 'ops', 12);
});
afterAll(async () => {
  await system?.close();
  await receiver?.close();
  if (backupDir) rmSync(backupDir, { recursive: true, force: true });
});

describe('learnloop health', () => {
  it('healthy: both dependencies answer, every queue is listed, nothing fires — exit 0', async () => {
    const { code, json } = await run('health', '--json');
    expect(code).toBe(0);
    const report = json();
    expect(report.status).toBe('healthy');
    expect(report.dependencies).toEqual({ redis: 'ok', postgres: 'ok' });
    expect(report.queues.map((q: any) => q.queue)).toContain('feedback-loop');
    expect(report.queues).toHaveLength(7);
  });

  it('a warning alert firing makes it degraded (1), a critical one unhealthy (2), and both are listed', async () => {
    await system.query(`INSERT INTO alerts (rule_id, severity, status, value, message, started_at) VALUES ('queue-depth-high/feedback-loop', 'warning', 'firing', 900, 'deep queue', now())`);
    const degraded = await run('health');
    expect(degraded.code).toBe(1);
    expect(degraded.out).toContain('DEGRADED');
    expect(degraded.out).toContain('queue-depth-high/feedback-loop');
    await system.query(`INSERT INTO alerts (rule_id, severity, status, value, message, started_at) VALUES ('backup-not-verified', 'critical', 'firing', 30, 'stale backup', now())`);
    const unhealthy = await run('health', '--json');
    expect(unhealthy.code).toBe(2);
    expect(unhealthy.json().firingAlerts.map((a: any) => a.key).sort()).toEqual(['backup-not-verified', 'queue-depth-high/feedback-loop']);
    await system.query(`DELETE FROM alerts`);
  });

  it('Redis unreachable: unhealthy (2), naming Redis, without hanging', async () => {
    const { code, json } = await runWith({ ...env, REDIS_URL: 'redis://127.0.0.1:1' }, 'health', '--json');
    expect(code).toBe(2);
    expect(json().dependencies.redis).not.toBe('ok');
    expect(json().dependencies.postgres).toBe('ok');
  });
});

describe('report, trace and analyze', () => {
  let sessionId: string;
  const userId = 'ops-learner';

  beforeAll(async () => {
    const res = await system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId, size: 4 } });
    expect(res.status).toBe(200);
    const session = ((await res.json()) as any).result;
    sessionId = session.sessionId;
    const answers = session.questions.map((q: any, i: number) => ({ questionId: q.questionId, correct: i !== 0, responseMs: 1000 + i }));
    const accepted = (await (await system.request(`/api/sessions/${sessionId}/results`, { method: 'POST', json: { userId, answers } })).json()) as any;
    expect((await system.jobStatus(accepted.statusUrl)).state).toBe('completed');
    // The traces reach Postgres through the decision-insights actor.
    await vi.waitFor(
      async () => expect((await system.query('SELECT count(*)::int AS n FROM decision_insights WHERE session_id = $1', [sessionId]))[0].n).toBeGreaterThan(0),
      { timeout: 30_000, interval: 100 },
    );
  });

  it('report daily rolls today up now and prints it (stored, idempotent)', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const first = await run('report', 'daily', '--json');
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ day: today, sessions: 1, completedSessions: 1, activeLearners: 1 });
    expect(first.json().meanAccuracy).toBeCloseTo(0.75, 5);
    const text = await run('report', 'daily');
    expect(text.out).toContain(`daily report ${today}`);
    expect(text.out).toContain('75.0%');
    expect(await system.query('SELECT day::text AS day, sessions FROM analytics_daily')).toEqual([{ day: today, sessions: 1 }]);
  });

  it('report daily --date takes an earlier day; a bad date is a usage error (2)', async () => {
    const earlier = await run('report', 'daily', '--date', '2020-01-01', '--json');
    expect(earlier.code).toBe(0);
    expect(earlier.json()).toMatchObject({ day: '2020-01-01', sessions: 0 });
    const bad = await run('report', 'daily', '--date', '2020-02-30');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/calendar date|date/);
  });

  it('trace user prints the learner\'s decision traces, newest first', async () => {
    const { code, out, json } = await run('trace', 'user', userId);
    expect(code).toBe(0);
    expect(out).toContain(`decision trace(s) of learner ${userId}`);
    expect(out).toContain('session-generation');
    const traces = (await run('trace', 'user', userId, '--json')).json().traces;
    expect(traces.length).toBeGreaterThan(0);
    expect(traces.every((t: any) => t.userId === userId)).toBe(true);
    void json;
    expect((await run('trace', 'user', 'nobody-here')).code).toBe(1);
    expect((await run('trace', 'user')).code).toBe(2);
  });

  it('analyze session shows plan, answers, outcome and the decisions behind it', async () => {
    const { code, out } = await run('analyze', 'session', sessionId);
    expect(code).toBe(0);
    expect(out).toContain(`session ${sessionId} of learner ${userId}`);
    expect(out).toContain('answered 4/4, correct 3 (75.0%)');
    expect(out).toContain('flow state achieved');
    const analysis = (await run('analyze', 'session', sessionId, '--json')).json();
    expect(analysis.summary).toMatchObject({ answered: 4, correct: 3, successRate: 0.75, flowAchieved: true });
    expect(analysis.traces.some((t: any) => t.kind === 'session-generation')).toBe(true);
    expect((await run('analyze', 'session', 'no-such-session')).code).toBe(1);
  });
});

describe('the seeds\' learning metrics', () => {
  const sample = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name.replace(/_(count|sum)$/, ''));
    const wanted = metric?.values.find((v) => ((v as { metricName?: string }).metricName ?? metric.name) === name && Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x));
    return wanted?.value ?? 0;
  };

  it('questions per session and flow achievement are observed once per session; validation confidence per new validation', async () => {
    // The session of the suite above: 4 questions, completed at 75% (in the flow band).
    expect(await sample('learnloop_session_questions_count')).toBe(1);
    expect(await sample('learnloop_session_questions_sum')).toBe(4);
    expect(await sample('learnloop_sessions_completed_total', { flow: 'achieved' })).toBe(1);
    expect(await sample('learnloop_sessions_completed_total', { flow: 'missed' })).toBe(0);
    const res = await system.request('/api/questions/validate?wait=20000', {
      method: 'POST',
      json: { text: 'Compare paging and segmentation in terms of fragmentation.', type: 'essay' },
    });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as any;
    expect(await sample('learnloop_validation_confidence_count')).toBe(1);
    expect(await sample('learnloop_validation_confidence_sum')).toBeCloseTo(result.confidence, 10);
    expect(await sample('learnloop_validations_total', { passed: String(result.passed) })).toBe(1);
  });
});

describe('metrics export, alerts test, cache clear', () => {
  it('metrics export prints the cluster-wide figures as JSON and as Prometheus text', async () => {
    await system.services.producer.queue('retention-cleanup').pause();
    await system.services.producer.send('retention-cleanup', 'rollup', { day: '2020-01-02' });
    const asJson = await run('metrics', 'export', '--format', 'json');
    expect(asJson.code).toBe(0);
    const retention = asJson.json().queues.find((q: any) => q.queue === 'retention-cleanup');
    expect(retention.waiting).toBe(1);
    expect(asJson.json().signals).toContainEqual({ metric: 'queue_depth', labels: { queue: 'retention-cleanup' }, value: 1 });
    const prom = await run('metrics', 'export', '--format', 'prom');
    expect(prom.code).toBe(0);
    expect(prom.out).toContain('learnloop_cluster_queue_jobs{queue="retention-cleanup",state="waiting"} 1');
    expect(prom.out).toContain('learnloop_cluster_signal{signal="queue_depth",queue="retention-cleanup"} 1');
    expect((await run('metrics', 'export', '--format', 'xml')).code).toBe(2);
    await system.services.producer.queue('retention-cleanup').obliterate({ force: true });
  });

  it('alerts test sends one message through the webhook path, and respects the shared rate limit', async () => {
    const before = receiver.messages.length;
    const sent = await run('alerts', 'test');
    expect(sent.code).toBe(0);
    expect(receiver.messages.length).toBe(before + 1);
    expect(receiver.messages.at(-1)!.body).toMatchObject({ source: 'learnloop', alert: { rule: 'learnloop-alert-test' } });
    expect(receiver.messages.at(-1)!.body.text).toMatch(/^\[TEST\]/);
    // Use up the cluster-wide budget of 12 a minute: the next test message is dropped, not queued.
    const limiter = new WebhookRateLimiter(system.services.redis, `${system.config.QUEUE_PREFIX}:alerts:webhook-rate`, 12);
    while (await limiter.tryAcquire(Date.now()));
    const dropped = await run('alerts', 'test');
    expect(dropped.code).toBe(1);
    expect(dropped.err).toContain('rate limit');
    expect(receiver.messages.length).toBe(before + 1);
    const unset = await runWith({ ...env, ALERT_WEBHOOK_URL: '' }, 'alerts', 'test');
    expect(unset.code).toBe(1);
  });

  it('cache clear removes one family, or every family, of this system only', async () => {
    const redis = system.services.redis;
    // KEYS asks one server; on Redis Cluster (npm run test:cluster) every master is asked.
    const keysOf = async (pattern: string) => {
      const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
      return (await Promise.all(servers.map((s) => s.keys(pattern)))).flat();
    };
    const prefix = system.config.QUEUE_PREFIX;
    // The decision-insights actor has warmed traces of this system's sessions already.
    const warmed = (await keysOf(`${prefix}:cache:insight:*`)).length;
    await redis.set(cacheKey(prefix, 'insight', 'd1'), '{}');
    await redis.set(cacheKey(prefix, 'insight', 'd2'), '{}');
    await redis.set(cacheKey(prefix, 'question', 'q1'), '{}');
    await redis.set(cacheKey('another-system', 'insight', 'd1'), '{}');
    const one = await run('cache', 'clear', '--family', 'insight', '--json');
    expect(one.code).toBe(0);
    expect(one.json()).toEqual({ family: 'insight', removed: warmed + 2 });
    expect(await keysOf(`${prefix}:cache:insight:*`)).toEqual([]);
    expect(await redis.exists(cacheKey(prefix, 'question', 'q1'))).toBe(1);
    // Everything else of this system's cache (the question above, entries and generations of earlier tests).
    const rest = (await keysOf(`${prefix}:cache:*`)).length;
    expect(rest).toBeGreaterThanOrEqual(1);
    const all = await run('cache', 'clear');
    expect(all.out).toContain(`removed ${rest} cache key(s)`);
    expect(await keysOf(`${prefix}:cache:*`)).toEqual([]);
    expect(await redis.exists(cacheKey(prefix, 'question', 'q1'))).toBe(0);
    expect(await redis.exists(cacheKey('another-system', 'insight', 'd1'))).toBe(1);
    await redis.del(cacheKey('another-system', 'insight', 'd1'));
    expect((await run('cache', 'clear', '--family', 'everything')).code).toBe(2);
  });
});

describe('sweep, rollup, prune and backup now; config validate', () => {
  it('sweep applies retention now: a 100-day-old session is gone, a fresh one stays; audited', async () => {
    const old = new Date(Date.now() - 100 * 86_400_000);
    await seedLearner(system.services.db, 'old-learner', { at: old });
    const { code, json } = await run('sweep');
    expect(code).toBe(0);
    expect(json().deleted.sessions).toBeGreaterThanOrEqual(1);
    expect(await system.query(`SELECT id FROM sessions WHERE user_id = 'old-learner'`)).toEqual([]);
    expect((await system.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = 'ops-learner'`))[0].n).toBe(1);
    expect((await system.query(`SELECT actor FROM audit_log WHERE action = 'cli.retention-cleanup.sweep'`))[0].actor).toMatch(/^cli:/);
  });

  it('rollup --date rolls that day up now', async () => {
    const { code, json } = await run('rollup', '--date', '2021-06-01');
    expect(code).toBe(0);
    expect(json().day).toBe('2021-06-01');
    expect(await system.query(`SELECT day::text AS day FROM analytics_daily WHERE day = '2021-06-01'`)).toHaveLength(1);
  });

  it('backup (the npm script, through the real CLI) takes a backup; prune keeps it (young and newest)', async () => {
    const exec = promisify(execFile);
    const { stdout } = await exec('npx', ['tsx', 'cli/learnloop.ts', 'backup'], { env: { ...process.env, ...env }, timeout: 120_000 });
    const backup = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(backup.backupId).toEqual(expect.any(String));
    expect((await system.query('SELECT count(*)::int AS n FROM backups'))[0].n).toBe(1);
    const pruned = await run('prune');
    expect(pruned.code).toBe(0);
    expect(pruned.json().removed).toEqual([]);
  });

  it('the real CLI dispatches operator commands: `learnloop health --json` exits 0', async () => {
    const exec = promisify(execFile);
    const { stdout } = await exec('npx', ['tsx', 'cli/learnloop.ts', 'health', '--json'], { env: { ...process.env, ...env }, timeout: 120_000 });
    expect(JSON.parse(stdout).status).toBe('healthy');
  });

  it('config validate: 0 and a redacted summary when valid; 1 naming the variable when not', async () => {
    const ok = await run('config', 'validate');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('configuration is valid');
    expect(ok.out).not.toContain('operator-key-for-tests');
    expect(ok.out).not.toContain(system.databaseUrl);
    const badCron = await runWith({ ...env, CRON_BACKUP: '99 * * * *' }, 'config', 'validate', '--json');
    expect(badCron.code).toBe(1);
    expect(badCron.json().errors.join('\n')).toContain('CRON_BACKUP');
    const badPort = await runWith({ ...env, PORT: 'eighty' }, 'config', 'validate');
    expect(badPort.code).toBe(1);
    expect(badPort.err).toContain('PORT');
  });
});
