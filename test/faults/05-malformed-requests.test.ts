import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../dashboard/route-table.js';
import { queueNames } from '../../pipelines/registry.js';
import { type TestSystem, operatorKey, producerKey, startTestSystem } from '../support/test-system.js';
import { concretePath, routeTableOf } from './support/route-probe.js';
import { recordScenario } from './support/scenario-result.js';

/**
 * Scenario 5: 1 000 malformed requests — wrong types, missing fields, huge strings, deep nesting,
 * invalid JSON, wrong content types, bad ids — against every endpoint that takes a body or an id.
 * Every one must be a 4xx with the uniform error body (never a 5xx, never a stack), and nothing may
 * be enqueued or stored.
 */

const total = 1_000;
let system: TestSystem;
let routes: RouteEntry[];

beforeAll(async () => {
  system = await startTestSystem('fault-malformed', { roles: { workers: [], ingress: true, schedulers: false } });
  routes = await routeTableOf(system);
});
afterAll(async () => {
  await system?.close();
});

/** Endpoints of the HTTP contract (dashboard/openapi.ts) that take a JSON body with required fields (those that exist now). */
const bodyRoutes = [
  'POST /api/questions/validate',
  'POST /api/questions/import',
  'POST /api/sessions/generate',
  'POST /api/sessions/:sessionId/results',
  'POST /api/learning-plans',
];

const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const json = 'application/json';

/** [what, content type, raw body]: each invalid for every body route above. */
const bodies: [string, string, string][] = [
  ['invalid JSON (truncated)', json, '{"text": "oops'],
  ['invalid JSON (single quotes)', json, "{'text': 'x'}"],
  ['invalid JSON (trailing comma)', json, '{"text": "x",}'],
  ['invalid JSON (bare word)', json, 'undefined'],
  ['JSON null', json, 'null'],
  ['JSON array', json, '[1,2,3]'],
  ['JSON number', json, '42'],
  ['JSON string', json, '"a string"'],
  ['empty object', json, '{}'],
  ['wrong types', json, JSON.stringify({ text: 42, type: ['essay'], userId: 7, answers: 'all', questions: 'many', targetLevel: 'high', days: '10' })],
  ['nulls everywhere', json, JSON.stringify({ text: null, type: null, userId: null, answers: null, questions: null })],
  ['booleans everywhere', json, JSON.stringify({ text: true, type: false, userId: true, answers: false, questions: true })],
  ['huge strings (within the body limit)', json, JSON.stringify({ text: 'x'.repeat(200_000), type: 'essay', userId: 'u'.repeat(20_000), questions: [{ text: 'y'.repeat(100_000), type: 'essay' }] })],
  ['huge body (over the limit)', json, JSON.stringify({ text: 'x'.repeat(400_000), type: 'essay' })],
  ['deep nesting', json, deep(200)],
  ['deep nesting inside a field', json, `{"text":"Why?","type":"essay","userId":"u1","options":${deep(100)}}`],
  ['prototype pollution attempt', json, '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'],
  ['wrong content type: text/plain', 'text/plain', '{"text":"What is a process?","type":"essay"}'],
  ['wrong content type: form', 'application/x-www-form-urlencoded', 'text=What+is+a+process&type=essay'],
  ['wrong content type: multipart', 'multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--xyz--'],
  ['wrong content type: xml', 'application/xml', '<question><text>hi</text></question>'],
  ['bad ids', json, JSON.stringify({ id: 'a:b/c d', text: 'What is a process?', type: 'not a type!', userId: 'bad id with spaces', answers: [{ questionId: 'x'.repeat(500), correct: 'yes' }] })],
  ['huge array', json, JSON.stringify({ userId: 'u1', answers: Array.from({ length: 20_000 }, () => ({ questionId: 'q', correct: 1 })), questions: Array.from({ length: 20_000 }, () => 1) })],
  ['wrong charset', 'application/json; charset=latin-7', '{"text":"x"}'],
];

async function countEverything(): Promise<{ jobs: number; rows: number; auditedAttempts: number }> {
  let jobs = 0;
  for (const name of queueNames) {
    const counts = await system.services.producer.queue(name).getJobCounts();
    jobs += Object.values(counts).reduce((a, b) => a + b, 0);
  }
  const client = new pg.Client({ connectionString: system.databaseUrl });
  await client.connect();
  try {
    // Every table that a request could lead to a write in.
    const { rows } = await client.query<{ n: number; refused: number; other: number }>(`
      SELECT (SELECT count(*) FROM questions) + (SELECT count(*) FROM question_validations)
           + (SELECT count(*) FROM learners) + (SELECT count(*) FROM sessions)
           + (SELECT count(*) FROM attempts) + (SELECT count(*) FROM learning_plans)
           + (SELECT count(*) FROM decision_insights) AS n,
             (SELECT count(*) FROM audit_log WHERE (details->>'status')::int BETWEEN 400 AND 499) AS refused,
             (SELECT count(*) FROM audit_log WHERE NOT coalesce((details->>'status')::int BETWEEN 400 AND 499, false)) AS other`);
    // Refused operator attempts are audited (who tried what): a record, not an effect. Any other
    // audit entry would mean an operator action went through.
    return { jobs, rows: Number(rows[0]!.n) + Number(rows[0]!.other), auditedAttempts: Number(rows[0]!.refused) };
  } finally {
    await client.end();
  }
}

describe('scenario 5: 1 000 malformed requests', () => {
  it('answers every one with a 4xx and the error body; nothing is enqueued or stored', async () => {
    const started = Date.now();
    const present = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const targets = bodyRoutes.filter((r) => present.has(r));
    expect(targets).toContain('POST /api/questions/validate');
    // Bad path parameters on every guarded route with parameters: overlong, forbidden characters.
    const paramRoutes = routes.filter((r) => r.scope !== undefined && r.path.includes('/:') && !r.path.startsWith('/admin/queues'));
    const badParams = ['x'.repeat(300), 'a:b', '..%2F..%2Fetc', '%00', 'not-a-queue%20x'];

    type Probe = { what: string; method: string; path: string; contentType?: string; body?: string; key: string };
    const probes: Probe[] = [];
    for (let i = 0; probes.length < total; i++) {
      const round = i % (bodies.length + 1);
      if (round < bodies.length) {
        const [what, contentType, body] = bodies[round]!;
        const route = targets[i % targets.length]!;
        const [method, pattern] = route.split(' ') as [string, string];
        probes.push({ what, method, path: concretePath(pattern), contentType, body, key: producerKey });
      } else {
        const route = paramRoutes[i % paramRoutes.length]!;
        const bad = badParams[i % badParams.length]!;
        const path = route.path.replace(/:\w+/g, bad);
        const method = route.method === 'ALL' ? 'GET' : route.method;
        probes.push({ what: `bad path parameter on ${route.method} ${route.path}`, method, path, key: route.scope === 'operator' ? operatorKey : producerKey });
      }
    }
    // Query-string abuse on the enqueue contract: a few of the 1 000 carry a bad ?wait.
    for (const [n, q] of ['wait=abc', 'wait=-1', 'wait=99999999', 'wait=1&wait=2'].entries()) {
      probes[n] = { ...probes[n]!, path: `/api/questions/validate?${q}`, method: 'POST', contentType: json, body: '{}', what: `bad query ${q}` };
    }

    const before = await countEverything();
    const wrong: string[] = [];
    let asExpected = 0;
    // A few at a time: enough to be quick, not so many that the 2-core machine times out.
    const concurrency = 8;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < probes.length) {
          const p = probes[next++]!;
          const headers = new Headers({ authorization: `Bearer ${p.key}` });
          if (p.contentType) headers.set('content-type', p.contentType);
          const res = await fetch(`${system.url}${p.path}`, { method: p.method, headers, body: p.body });
          const text = await res.text();
          let body: { error?: { code?: unknown; message?: unknown } } | undefined;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const ok =
            res.status >= 400 && res.status < 500 &&
            typeof body?.error?.code === 'string' && typeof body.error.message === 'string' &&
            !/at .*\.(ts|js):\d+/.test(text);
          if (ok) asExpected += 1;
          else if (wrong.length < 20) wrong.push(`${p.what} → ${p.method} ${p.path.slice(0, 80)}: ${res.status} ${text.slice(0, 160)}`);
        }
      }),
    );
    const after = await countEverything();

    recordScenario({
      id: 5,
      scenario: '1 000 malformed requests',
      sent: probes.length,
      completed: asExpected,
      lost: 0,
      duplicated: after.jobs - before.jobs + (after.rows - before.rows),
      seconds: (Date.now() - started) / 1000,
      note: `completed = refused with 4xx + error body; duplicated = jobs/rows that appeared; ${targets.length} body routes, ${paramRoutes.length} id routes; ${after.auditedAttempts - before.auditedAttempts} refused operator attempts audited`,
    });
    expect(wrong).toEqual([]);
    expect(asExpected).toBe(total);
    expect({ jobs: after.jobs, rows: after.rows }).toEqual({ jobs: before.jobs, rows: before.rows });
  });
});
