import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOOM_LEVELS } from '../../core/bloom/levels.js';
import { queueNames } from '../../pipelines/registry.js';
import { type TestSystem, operatorKey, producerKey, startTestSystem } from '../support/test-system.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('validation', { roles: { workers: ['question-validation', 'decision-insights'] } });
});
afterAll(async () => {
  await system?.close();
});

async function countRows(table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [row] = await system.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return row.n;
}

describe('question validation end to end: HTTP → queue → Piscina → Postgres → job result', () => {
  const question = {
    id: 'e2e-q1',
    text: 'Compare the advantages and disadvantages of paging and segmentation for memory management.',
    type: 'essay',
    learningObjective: 'Analyse memory management schemes',
    difficulty: 4,
    categoryId: 'operating-systems',
  };

  it('answers 200 with a Bloom level when asked to wait, and stores the question once', async () => {
    const res = await system.request('/api/questions/validate?wait=20000', { method: 'POST', json: question });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const body = (await res.json()) as any;
    expect(body.result.questionId).toBe('e2e-q1');
    expect(BLOOM_LEVELS).toContain(body.result.level);
    expect(body.result.modelVersion).toEqual(expect.any(String));
    expect(body.result.qualityScore).toBeGreaterThanOrEqual(0);
    expect(body.result.qualityScore).toBeLessThanOrEqual(1);

    const stored = await system.request('/api/questions/e2e-q1');
    expect(stored.status).toBe(200);
    const storedBody = (await stored.json()) as any;
    expect(storedBody.text).toBe(question.text);
    expect(storedBody.validation.level).toBe(body.result.level);
    expect(storedBody.validation.modelVersion).toBe(body.result.modelVersion);
    expect(typeof body.result.needsReview).toBe('boolean');
    expect(storedBody.validation.needsReview).toBe(body.result.needsReview);
    expect(storedBody.validation.runnerUpLevel).toBe(body.result.runnerUpLevel);

    // Sending the same question again reuses the job and stores nothing twice.
    const again = await system.request('/api/questions/validate?wait=20000', { method: 'POST', json: question });
    expect(((await again.json()) as any).jobId).toBe(body.jobId);
    expect(await countRows('questions', 'id = $1', ['e2e-q1'])).toBe(1);
    expect(await countRows('question_validations', 'question_id = $1', ['e2e-q1'])).toBe(1);
  });

  it('answers 202 with a status URL without ?wait, and the job status shows the result', async () => {
    const res = await system.request('/api/questions/validate', {
      method: 'POST',
      json: { text: 'Define the term deadlock.', type: 'short_answer' },
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as any;
    expect(accepted).toMatchObject({ queue: 'question-validation', statusUrl: expect.stringContaining(accepted.jobId) });
    const status = await system.jobStatus(accepted.statusUrl);
    expect(status.state).toBe('completed');
    expect(status.result.questionId).toMatch(/^q_[0-9a-f]{32}$/);
    expect(status.timestamps.finished).toEqual(expect.any(String));
  });

  it('a question naming the author\'s intended level is told whether it reads at it; the stored validation keeps the label', async () => {
    const res = await system.request('/api/questions/validate?wait=20000', {
      method: 'POST',
      json: { id: 'e2e-intended', text: 'List the stages of mitosis.', type: 'short_answer', intendedLevel: 'Evaluate' },
    });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as any;
    expect(result.level).not.toBe('Evaluate');
    expect(result.evidence).toMatchObject({ intendedLevel: 'Evaluate', agreesWithIntended: false });
    expect(result.suggestions.some((s: string) => s.startsWith('Meant as Evaluate'))).toBe(true);
    const [stored] = await system.query(`SELECT evidence->>'intendedLevel' AS intended, level FROM question_validations WHERE question_id = 'e2e-intended'`);
    expect(stored).toEqual({ intended: 'Evaluate', level: result.level });
    // An unknown level name is refused at the edge.
    const refused = await system.request('/api/questions/validate', { method: 'POST', json: { text: 'List the stages of mitosis.', type: 'short_answer', intendedLevel: 'Synthesis' } });
    expect(refused.status).toBe(400);
  });

  it('answers 404 for an unknown question and an unknown job', async () => {
    expect((await system.request('/api/questions/nope')).status).toBe(404);
    expect((await system.request('/api/jobs/question-validation/nope')).status).toBe(404);
    expect((await system.request('/api/jobs/not-a-queue/1')).status).toBe(400);
  });
});

describe('auth', () => {
  it('401 without a key or with a wrong key, 403 with the wrong scope', async () => {
    const body = { text: 'What is a process?', type: 'short_answer' };
    const none = await system.request('/api/questions/validate', { method: 'POST', json: body, key: null });
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.code).toBe('unauthorized');
    const wrong = await system.request('/api/questions/validate', { method: 'POST', json: body, key: 'wrong-key-wrong-key-wrong' });
    expect(wrong.status).toBe(401);
    expect((await system.request('/admin/queues', { key: producerKey })).status).toBe(403);
    expect((await system.request('/admin/queues', { key: operatorKey })).status).toBe(200);
  });

  it('Bull Board: 401 without credentials, 200 with an operator key as Basic password, 403 for a producer key', async () => {
    const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}` });
    const none = await fetch(`${system.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await fetch(`${system.url}/admin/queues`, { headers: basic(operatorKey) })).status).toBe(200);
    expect((await fetch(`${system.url}/admin/queues`, { headers: basic(producerKey) })).status).toBe(403);
  });

  it('health, readiness and metrics need no key', async () => {
    expect((await system.request('/healthz', { key: null })).status).toBe(200);
    const ready = await system.request('/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { redis: 'ok', postgres: 'ok' } });
  });

  it('the seeds\' probe paths /health and /ready answer like /healthz and /readyz', async () => {
    const health = await system.request('/health', { key: null });
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; timestamp: string };
    expect(body.status).toBe('ok');
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    const ready = await system.request('/ready', { key: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis: 'ok', postgres: 'ok' } });
  });
});

describe('bad input gets a 4xx with the error body, and nothing is enqueued', () => {
  const cases: [string, RequestInit, number, string][] = [
    ['malformed JSON', { body: '{"text": "oops', headers: { 'content-type': 'application/json' } }, 400, 'malformed_json'],
    ['missing text', { body: JSON.stringify({ type: 'essay' }), headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['wrong types', { body: JSON.stringify({ text: 42, type: 'essay', difficulty: 'hard' }), headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['unknown question type', { body: JSON.stringify({ text: 'Why?', type: 'riddle' }), headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['no body at all', {}, 400, 'invalid_request'],
    ['oversize body', { body: JSON.stringify({ text: 'x'.repeat(2_000_000), type: 'essay' }), headers: { 'content-type': 'application/json' } }, 413, 'payload_too_large'],
  ];

  it.each(cases)('%s', async (_name, init, status, code) => {
    const before = await system.services.producer.queue('question-validation').count();
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${producerKey}`);
    const res = await fetch(`${system.url}/api/questions/validate`, { ...init, method: 'POST', headers });
    expect(res.status).toBe(status);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe(code);
    expect(body.error.message).toEqual(expect.any(String));
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
    expect(await system.services.producer.queue('question-validation').count()).toBe(before);
  });

  it('a too-long wait is refused', async () => {
    const res = await system.request('/api/questions/validate?wait=60000', { method: 'POST', json: { text: 'Why?', type: 'essay' } });
    expect(res.status).toBe(400);
  });
});

describe('metrics', () => {
  it('shows job counts for every queue and the job duration histograms', async () => {
    const res = await system.request('/metrics', { key: null });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const queue of queueNames) {
      expect(text).toContain(`learnloop_queue_jobs_by_state{queue="${queue}",state="waiting"}`);
    }
    expect(text).toMatch(/learnloop_job_processing_seconds_bucket\{.*queue="question-validation"/);
    expect(text).toMatch(/learnloop_job_wait_seconds_count\{queue="question-validation",job_name="validate"\} [1-9]/);
    expect(text).toMatch(/learnloop_jobs_completed_total\{queue="question-validation",job_name="validate"\} [1-9]/);
  });
});
