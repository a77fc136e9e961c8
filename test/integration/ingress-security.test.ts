import { createHash } from 'node:crypto';
import { Worker } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { type TestSystem, operatorKey, producerKey, startTestSystem, testQueuePrefix } from '../support/test-system.js';

/**
 * The ingress's security envelope: rate limits shared by every instance, helmet, CORS only when
 * configured, body limits and media types, bounded nesting, the dead-letter endpoints and the audit
 * log of operator actions.
 */

const keyId = (key: string) => `key:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
let a: TestSystem;
let b: TestSystem;
let withCors: TestSystem;

beforeAll(async () => {
  // Two ingress instances on one Redis and one prefix: they must share the rate-limit counters.
  const prefix = testQueuePrefix('sec');
  const env = { QUEUE_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '6' };
  [a, b, withCors] = await Promise.all([
    startTestSystem('security-a', { roles: { workers: [], ingress: true, schedulers: false }, env }),
    startTestSystem('security-b', { roles: { workers: [], ingress: true, schedulers: false }, env }),
    startTestSystem('security-cors', { roles: { workers: [], ingress: true, schedulers: false }, env: { CORS_ORIGINS: 'https://quiz.example, https://admin.example' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), withCors?.close()]);
});

async function auditRows(system: TestSystem): Promise<{ actor: string; action: string; target: string; ip: string; details: { status: number } }[]> {
  const client = new pg.Client({ connectionString: system.databaseUrl });
  await client.connect();
  try {
    return (await client.query('SELECT actor, action, target, ip, details FROM audit_log ORDER BY id')).rows;
  } finally {
    await client.end();
  }
}

describe('rate limits', () => {
  it('counts per key across instances, with standard headers, and answers 429 with the error body', async () => {
    const path = '/api/jobs/question-validation/no-such-job';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await (i % 2 === 0 ? a : b).request(path, { key: operatorKey });
      statuses.push(res.status);
      expect(res.headers.get('ratelimit-policy')).toBe('6;w=60');
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^limit=6, remaining=${5 - i}, reset=\\d+$`));
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404]);

    const refused = await b.request(path, { key: operatorKey });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.any(String) } });

    // Another key has its own budget; probes without credentials are not limited.
    expect((await a.request(path, { key: producerKey })).status).toBe(404);
    for (let i = 0; i < 8; i++) expect((await a.request('/healthz', { key: null })).status).toBe(200);
  });
});

describe('headers, bodies and CORS', () => {
  it('sets helmet headers and no CORS headers unless configured', async () => {
    const res = await a.request('/healthz', { key: null, headers: { origin: 'https://quiz.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${withCors.url}/api/questions/validate`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const allowed = await preflight('https://admin.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://admin.example');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses other media types (415), oversize bodies (413) and deep nesting (400)', async () => {
    const post = (body: string, contentType: string) =>
      withCors.request('/api/questions/validate', { method: 'POST', body, headers: { 'content-type': contentType } });
    const wrongType = await post('text=hello', 'application/x-www-form-urlencoded');
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as any).error.code).toBe('unsupported_media_type');
    const oversize = await post(JSON.stringify({ text: 'x'.repeat(300_000), type: 'essay' }), 'application/json');
    expect(oversize.status).toBe(413);
    const deep = await post(`{"text":"Why?","type":"essay","options":${'['.repeat(40)}${']'.repeat(40)}}`, 'application/json');
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as any).error.code).toBe('too_deeply_nested');
    expect(await withCors.services.producer.queue('question-validation').count()).toBe(0);
  });
});

describe('dead letters and the audit log', () => {
  it('lists failed jobs, replays them with a fresh attempt budget, and audits every operator mutation', async () => {
    const queue = withCors.services.producer.queue('monitoring');
    // A worker that always fails, so the jobs land in the failed set; then it is closed.
    const connection = createRedisConnection(withCors.redisUrl, 'worker');
    const worker = new Worker('monitoring', async () => { throw new Error('always fails'); }, { connection, prefix: withCors.config.QUEUE_PREFIX });
    const failedAll = new Promise<void>((resolve) => {
      let n = 0;
      worker.on('failed', () => ++n === 3 && resolve());
    });
    for (let i = 0; i < 3; i++) await queue.add('evaluate-alerts', {}, { jobId: `dead-${i}`, attempts: 1 });
    await failedAll;
    await worker.close();
    await connection.quit();

    const list = await withCors.request('/api/admin/queues/monitoring/failed?limit=2', { key: operatorKey });
    expect(list.status).toBe(200);
    const page = (await list.json()) as any;
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({ name: 'evaluate-alerts', failedReason: 'always fails', attemptsMade: 1 });
    expect((await withCors.request('/api/admin/queues/nope/failed', { key: operatorKey })).status).toBe(400);
    expect((await withCors.request('/api/admin/queues/monitoring/failed?limit=5000', { key: operatorKey })).status).toBe(400);

    // A producer key may not replay (403, audited); an operator may.
    expect((await withCors.request('/api/admin/queues/monitoring/replay-failed', { method: 'POST', key: producerKey })).status).toBe(403);
    const replay = await withCors.request('/api/admin/queues/monitoring/replay-failed', { method: 'POST', key: operatorKey });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ replayed: 3 });
    expect(await queue.getFailedCount()).toBe(0);
    expect(await queue.getWaitingCount()).toBe(3);
    const replayed = await queue.getJob('dead-0');
    expect(replayed!.attemptsMade).toBe(0);

    // Bull Board's actions are operator mutations too.
    const pause = await withCors.request('/admin/queues/api/queues/monitoring/pause', { method: 'PUT', key: operatorKey });
    expect(pause.status).toBeLessThan(300);
    expect(await queue.isPaused()).toBe(true);

    // The audit entry is written after the answer.
    const rows = await vi.waitFor(
      async () => {
        const written = await auditRows(withCors);
        expect(written).toHaveLength(3);
        return written;
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(rows).toEqual([
      expect.objectContaining({ actor: keyId(producerKey), action: 'POST /api/admin/queues/:queue/replay-failed', details: expect.objectContaining({ status: 403 }) }),
      expect.objectContaining({ actor: keyId(operatorKey), action: 'POST /api/admin/queues/:queue/replay-failed', target: '/api/admin/queues/monitoring/replay-failed', details: expect.objectContaining({ status: 200 }) }),
      expect.objectContaining({ actor: keyId(operatorKey), action: expect.stringMatching(/^PUT \/admin\/queues\/api\/queues\/:\w+\/pause$/), target: '/admin/queues/api/queues/monitoring/pause' }),
    ]);
    expect(rows[1]!.ip).toMatch(/127\.0\.0\.1/);
    // Reads are not audited.
    expect(rows.some((r) => r.action.startsWith('GET'))).toBe(false);
  });

  it('stores the entries of operator actions answered just before shutdown, in order', async () => {
    const system = await startTestSystem('security-shutdown', { roles: { workers: [], ingress: true, schedulers: false } });
    // Hold the audit table so the entries are still queued when shutdown begins; ending the client
    // (also when an assertion fails) releases it, so shutdown can finish.
    const blocker = new pg.Client({ connectionString: system.databaseUrl });
    let closing: Promise<void> | undefined;
    try {
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE audit_log IN EXCLUSIVE MODE');
      const replay = await system.request('/api/admin/queues/monitoring/replay-failed', { method: 'POST', key: operatorKey });
      expect(replay.status).toBe(200);
      const pause = await system.request('/admin/queues/api/queues/monitoring/pause', { method: 'PUT', key: operatorKey });
      expect(pause.status).toBeLessThan(300);
      closing = system.close();
      await new Promise((r) => setTimeout(r, 300)); // shutdown reaches the database meanwhile
    } finally {
      await blocker.end();
      await (closing ?? system.close());
    }
    expect(await auditRows(system)).toEqual([
      expect.objectContaining({ actor: keyId(operatorKey), action: 'POST /api/admin/queues/:queue/replay-failed', details: expect.objectContaining({ status: 200 }) }),
      expect.objectContaining({ actor: keyId(operatorKey), target: '/admin/queues/api/queues/monitoring/pause' }),
    ]);
  });
});
