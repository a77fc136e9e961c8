import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultAlertRules } from '../../core/alerts/default-alert-rules.js';
import { createLogger } from '../../observability/logger.js';
import { type TestSystem, operatorKey, startTestSystem } from '../support/test-system.js';

/**
 * The metrics catalogue as Prometheus sees it (the live /metrics of an ingress and of a worker
 * process's own listener, linted by promtool), the ops/ files checked against it, and the request
 * and job ids on log lines.
 */

const promtool = spawnSync('promtool', ['--version']).status === 0 ? 'promtool' : undefined;
const logLines: any[] = [];
const logStream = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
    done();
  },
});

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('observability', {
    roles: { workers: ['monitoring'], ingress: true, schedulers: false },
    logger: createLogger('info', {}, logStream),
    metricsPort: 0,
  });
  // Some traffic: an operator read with a request id of ours, a job run and its status polled, a 404,
  // and a Bloom scoring batch on the Piscina pool.
  const res = await system.request('/api/alerts/active', { key: operatorKey, headers: { 'x-request-id': 'obs-request-0001' } });
  expect(res.status).toBe(200);
  const jobId = await system.services.producer.send('monitoring', 'evaluate-alerts', {});
  let state = '';
  for (let i = 0; i < 600 && state !== 'completed'; i++) {
    const status = await system.request(`/api/jobs/monitoring/${jobId}`, { key: operatorKey });
    expect(status.status).toBe(200);
    state = ((await status.json()) as { state: string }).state;
    if (state !== 'completed') await new Promise((r) => setTimeout(r, 50));
  }
  expect(state).toBe('completed');
  expect((await system.request('/api/no/such/route/obs-secret-id')).status).toBe(404);
  const score = await system.services.bloom.score({ text: 'Explain why a deadlock needs a circular wait.', type: 'essay' });
  expect(score.level).toEqual(expect.any(String));
});
afterAll(async () => {
  await system?.close();
});

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** Metric family names in an exposition (histogram and summary series folded into their family). */
function families(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

describe('metrics', () => {
  it('promtool check metrics finds nothing to report on the live /metrics output', async () => {
    const text = await scrape(`${system.url}/metrics`);
    expect(text).toMatch(/^# HELP learnloop_/m);
    if (!promtool) {
      // CI installs promtool (Debian's prometheus package); without it only the catalogue is checked.
      console.warn('promtool not installed (apt-get install prometheus): lint skipped, catalogue still checked');
      return;
    }
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);
  });

  it('the catalogue: job, queue, Bloom, HTTP, alert, cluster and Node default metrics', async () => {
    const text = await scrape(`${system.url}/metrics`);
    const names = families(text);
    for (const name of [
      'learnloop_queue_jobs_by_state',
      'learnloop_queue_workers',
      'learnloop_backup_last_verified_timestamp_seconds',
      'learnloop_jobs_completed_total',
      'learnloop_jobs_failed_total',
      'learnloop_jobs_dead_lettered_total',
      'learnloop_jobs_stalled_total',
      'learnloop_job_wait_seconds',
      'learnloop_job_processing_seconds',
      'learnloop_bloom_scoring_seconds',
      'learnloop_bloom_thread_compute_seconds',
      'learnloop_http_request_duration_seconds',
      'learnloop_alert_webhook_deliveries_total',
      'learnloop_alert_webhook_dropped_total',
      'learnloop_validation_confidence',
      'learnloop_validations_total',
      'learnloop_session_questions',
      'learnloop_sessions_completed_total',
      'learnloop_cache_lookups_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(names, name).toContain(name);
    }
    // Job names are labelled job_name: Prometheus owns `job`.
    expect(text).toMatch(/learnloop_jobs_completed_total\{queue="monitoring",job_name="evaluate-alerts"\} [1-9]/);
    expect(text).toMatch(/learnloop_job_wait_seconds_count\{queue="monitoring",job_name="evaluate-alerts"\} [1-9]/);
    // Timings measured inside the Piscina thread reached this registry.
    expect(text).toMatch(/^learnloop_bloom_thread_compute_seconds_count [1-9]/m);
    expect(text).toMatch(/^learnloop_bloom_scoring_seconds_count [1-9]/m);
    expect(text).toMatch(/learnloop_queue_workers\{queue="monitoring"\} [1-9]/);
    expect(text).toMatch(/learnloop_queue_workers\{queue="feedback-loop"\} 0/);
    expect(text).toMatch(/^learnloop_backup_last_verified_timestamp_seconds \d/m);
  });

  it('HTTP durations are labelled by route pattern and status, never by raw URL', async () => {
    const text = await scrape(`${system.url}/metrics`);
    expect(text).toMatch(/learnloop_http_request_duration_seconds_count\{method="GET",route="\/api\/alerts\/active",status="200"\} 1/);
    expect(text).toMatch(/learnloop_http_request_duration_seconds_count\{method="GET",route="\/api\/jobs\/:queue\/:jobId",status="200"\} [1-9]/);
    expect(text).toMatch(/learnloop_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]/);
    expect(text).not.toContain('obs-secret-id');
    expect(text).not.toMatch(/route="\/api\/jobs\/monitoring\//);
  });

  it("a process's own metrics listener serves /metrics (workers without an ingress are scrape targets)", async () => {
    expect(system.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const text = await scrape(`${system.metricsUrl}/metrics`);
    expect(text).toMatch(/learnloop_jobs_completed_total\{queue="monitoring",job_name="evaluate-alerts"\} [1-9]/);
    expect((await fetch(`${system.metricsUrl}/api/alerts/active`)).status).toBe(404);
    expect((await fetch(`${system.metricsUrl}/healthz`)).status).toBe(200);
    if (promtool) {
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
    }
  });
});

describe('ops/ files', () => {
  it('every metric the alert rules and the Grafana dashboard query exists in the live catalogue', async () => {
    const names = families(await scrape(`${system.url}/metrics`));
    const used = (text: string) =>
      new Set([...text.matchAll(/\b((?:learnloop|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')));
    const rules = readFileSync('ops/prometheus/alerts.yml', 'utf8');
    const dashboard = readFileSync('ops/grafana/learnloop-dashboard.json', 'utf8');
    const parsed = JSON.parse(dashboard);
    expect(parsed.panels.length).toBeGreaterThan(10);
    for (const name of [...used(rules), ...used(dashboard)]) expect(names, `${name} (used in ops/)`).toContain(name);
  });

  it('promtool accepts the scrape config and the rules, and the rules pass their unit tests', () => {
    if (!promtool) {
      console.warn('promtool not installed (apt-get install prometheus): ops/prometheus not checked here; .ci/run checks it');
      expect(readFileSync('ops/prometheus/alerts.yml', 'utf8').match(/^\s+- alert: /gm)).toHaveLength(16);
      return;
    }
    expect(execFileSync('promtool', ['check', 'config', 'ops/prometheus/prometheus.yml'], { encoding: 'utf8' })).toContain('SUCCESS');
    expect(execFileSync('promtool', ['check', 'rules', 'ops/prometheus/alerts.yml'], { encoding: 'utf8' })).toContain(`SUCCESS: ${defaultAlertRules.length} rules found`);
    expect(execFileSync('promtool', ['test', 'rules', 'ops/prometheus/alerts.test.yml'], { encoding: 'utf8' })).toContain('SUCCESS');
  });
});

describe('logs', () => {
  it('every line of a request carries its request id, every line of a job its job id', async () => {
    const requestLines = logLines.filter((l) => l.requestId === 'obs-request-0001');
    expect(requestLines.length).toBeGreaterThanOrEqual(1);
    expect(requestLines.some((l) => l.msg === 'request completed' && l.res?.statusCode === 200)).toBe(true);
    // Every access-log line names its request.
    const accessLines = logLines.filter((l) => l.res?.statusCode !== undefined);
    expect(accessLines.length).toBeGreaterThanOrEqual(3);
    for (const line of accessLines) expect(line.requestId, JSON.stringify(line)).toEqual(expect.any(String));

    // A job's lines: run one evaluation, whose processor logs through the job-scoped logger.
    await system.services.db.insertInto('alerts').values({ rule_id: 'gone-rule', severity: 'warning', status: 'firing', message: 'x', started_at: new Date() }).execute();
    const id = await system.services.producer.send('monitoring', 'evaluate-alerts', {});
    await vi.waitFor(() => expect(logLines.some((l) => l.msg === 'alert resolved' && l.jobId === id)).toBe(true), { timeout: 30_000, interval: 25 });
    const jobLines = logLines.filter((l) => l.msg === 'alert resolved');
    expect(jobLines.length).toBeGreaterThanOrEqual(1);
    for (const line of jobLines) expect(line).toMatchObject({ jobId: id, queue: 'monitoring', job: 'evaluate-alerts' });
    expect(JSON.stringify(logLines)).not.toContain(operatorKey);
  });
});
