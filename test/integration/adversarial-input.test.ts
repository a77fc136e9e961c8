import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rawRequest } from '../support/raw-http.js';
import { seedLearner } from '../support/learner-rows.js';
import { type TestSystem, operatorKey, producerKey, startTestSystem } from '../support/test-system.js';

/**
 * Reproductions of an adversarial pass (issue 18): inputs that crashed the process, stalled it
 * without a key, or were accepted at the edge and then lost in a worker. Each must get the right
 * answer and leave the process serving.
 */

let system: TestSystem;
let limited: TestSystem;

beforeAll(async () => {
  [system, limited] = await Promise.all([
    startTestSystem('adversarial', { roles: { workers: [], ingress: true, schedulers: false } }),
    startTestSystem('adversarial-limits', {
      roles: { workers: [], ingress: true, schedulers: false },
      env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3', HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000' },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([system?.close(), limited?.close()]);
});

const thirtyMb = 30 * 1024 * 1024;
const head = (method: string, path: string, headers: Record<string, string | number>) =>
  `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

async function expectHealthy(target: TestSystem) {
  const res = await target.request('/healthz', { key: null });
  expect(res.status).toBe(200);
}

describe('imports that used to exhaust memory', () => {
  it('refuses 24 MB of newlines under a CSV header with a 400, and keeps serving', async () => {
    const res = await system.request('/api/questions/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: `text,type\n${'\n'.repeat(24 * 1024 * 1024)}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request' } });
    await expectHealthy(system);
  });

  it('refuses a CSV with more rows than an import takes with 413, without reading past the cap', async () => {
    const res = await system.request('/api/questions/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: `text,type\n${'What is x?,essay\n'.repeat(10_001)}`,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'too_many_rows' } });
  });

  it('answers a CSV with an unterminated quote with 400, not 500', async () => {
    const res = await system.request('/api/questions/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'text,type\n"What is x?,essay\n',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'malformed_csv', message: expect.stringMatching(/unterminated/) } });
  });
});

describe('bodies are judged from the headers before they are read', () => {
  for (const path of ['/api/questions/validate', '/api/questions/import']) {
    for (const key of [null, producerKey]) {
      it(`a 30 MB Content-Length on ${path} ${key ? 'with' : 'without'} a key is a 413 after the first chunk`, async () => {
        const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': thirtyMb };
        if (key) headers.Authorization = `Bearer ${key}`;
        // Only 64 KB of the 30 MB are ever sent: the answer cannot wait for the rest.
        const pending = rawRequest(system.url, head('POST', path, headers), [Buffer.alloc(64 * 1024, 0x20)]);
        await expectHealthy(system);
        const answer = await pending;
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'payload_too_large', message: expect.any(String) } });
        await expectHealthy(system);
      });
    }
  }

  it('refuses a body without a key with 401 before reading it', async () => {
    // 1 MB declared, 1 KB sent: a 401 can only come from the headers.
    const answer = await rawRequest(
      system.url,
      head('POST', '/api/questions/import', { 'Content-Type': 'application/json', 'Content-Length': 1024 * 1024 }),
      ['['.repeat(1024)],
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses `Bearer <key> extra` like a wrong key', async () => {
    const res = await system.request('/api/jobs/question-validation/x', { key: null, headers: { authorization: `Bearer ${producerKey} extra` } });
    expect(res.status).toBe(401);
    expect((await system.request('/api/jobs/question-validation/x')).status).toBe(404);
  });
});

describe('requests without a key are rate-limited per client', () => {
  it('answers 429 once the anonymous budget is spent, while probes keep answering', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await limited.request('/api/questions/validate', { key: null, method: 'POST' })).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    const refused = await limited.request('/openapi.json', { key: null });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // A forged X-Forwarded-For is not a new client: trust proxy is off by default.
    const forged = await limited.request('/openapi.json', { key: null, headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(forged.status).toBe(429);
    for (let i = 0; i < 5; i++) await expectHealthy(limited);
    // A caller with a key has its own budget.
    expect((await limited.request('/api/jobs/question-validation/x')).status).toBe(404);
  });
});

describe('slow, short and oversize requests', () => {
  it('answers a body that never completes with 408 in the error body and closes the socket', async () => {
    const answer = await rawRequest(
      limited.url,
      head('POST', '/api/questions/validate', { 'Content-Type': 'application/json', 'Content-Length': 100, Authorization: `Bearer ${producerKey}` }),
      ['{"text":'],
    );
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'request_timeout' } });
    expect(answer.headers.connection).toBe('close');
  });

  it('answers headers that never end with 408', async () => {
    const answer = await rawRequest(limited.url, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n');
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'request_timeout' } });
  });

  it('answers oversize headers with 431 in the error body', async () => {
    const answer = await rawRequest(system.url, head('GET', '/healthz', { 'X-Big': 'a'.repeat(64 * 1024) }));
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'headers_too_large' } });
    await expectHealthy(system);
  });
});

describe('what a worker could not store is refused at the edge', () => {
  const question = { text: 'Explain how paging works.', type: 'short_answer' };
  const cases: [string, unknown, string][] = [
    ['a NUL in the text', { ...question, text: 'Explain\u0000 paging.' }, 'invalid_text'],
    ['a NUL in an option', { ...question, options: ['a', 'b\u0000'] }, 'invalid_text'],
    ['a lone surrogate in the text', { ...question, text: 'Explain \ud800 paging.' }, 'invalid_text'],
    ['a NUL in a key', { ...question, ['x\u0000']: 1 }, 'invalid_text'],
    ['a non-integer difficulty', { ...question, difficulty: 2.5 }, 'invalid_request'],
    ["an id with ':'", { ...question, id: 'q:1' }, 'invalid_request'],
    ["an id with '/'", { ...question, id: 'q/1' }, 'invalid_request'],
    ['an id with a space', { ...question, id: 'q 1' }, 'invalid_request'],
    ['a category with a space', { ...question, categoryId: 'c 1' }, 'invalid_request'],
  ];
  for (const [what, body, code] of cases) {
    it(`validate: ${what} is a 400 and nothing is enqueued`, async () => {
      const res = await system.request('/api/questions/validate', { method: 'POST', json: body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
      const counts = await system.services.producer.queue('question-validation').getJobCounts();
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    });
  }

  it('import: such rows are refused one by one, the rest accepted', async () => {
    const rows = [question, { ...question, id: 'q:1' }, { ...question, text: 'x', difficulty: 2.5 }, { ...question, id: 'ok-1' }];
    const res = await system.request('/api/questions/import', { method: 'POST', json: { questions: rows } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: number; rejectedRows: { index: number }[] };
    expect(body).toMatchObject({ accepted: 2, rejected: 2 });
    expect(body.rejectedRows.map((r) => r.index)).toEqual([1, 2]);
  });

  it('import: a CSV with a NUL is refused whole with 400', async () => {
    const res = await system.request('/api/questions/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'text,type\nWhat\u0000 is x?,essay\n',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_text' } });
  });
});

describe('validate everything before acting', () => {
  it('an erasure with a bad ?wait is a 400 and erases nothing', async () => {
    await seedLearner(system.services.db, 'carol', { at: new Date() });
    const res = await system.request('/api/users/carol?wait=abc', { method: 'DELETE', key: operatorKey });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request' } });
    expect(await system.query("SELECT deleted_at FROM learners WHERE user_id = 'carol'")).toEqual([{ deleted_at: null }]);
    const counts = await system.services.producer.queue('retention-cleanup').getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('maintenance jobs are for operators', () => {
  for (const queue of ['retention-cleanup', 'backups', 'monitoring']) {
    it(`a producer key may not read ${queue} jobs`, async () => {
      const jobId = await system.services.producer.queue(queue as 'backups').add('x' as never, {} as never, { jobId: `probe-${queue}` });
      const refused = await system.request(`/api/jobs/${queue}/${jobId.id}`);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
      expect((await system.request(`/api/jobs/${queue}/${jobId.id}`, { key: operatorKey })).status).toBe(200);
      await jobId.remove();
    });
  }
});

describe('small ones', () => {
  it('more than 10 concurrent ?wait requests on one queue print no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const statuses = await Promise.all(
        Array.from({ length: 15 }, (_, i) =>
          system.request('/api/questions/validate?wait=300', { method: 'POST', json: { id: `wait-${i}`, text: `Explain item ${i}.`, type: 'essay' } }).then((r) => r.status),
        ),
      );
      expect(statuses).toEqual(Array(15).fill(202));
      await new Promise((r) => setTimeout(r, 100));
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await system.services.producer.queue('question-validation').obliterate({ force: true });
    }
  });

  it("answers Bull Board's own API errors in the uniform error body", async () => {
    const res = await system.request('/admin/queues/api/queues/no-such-queue/no-such-job', { key: operatorKey });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});
