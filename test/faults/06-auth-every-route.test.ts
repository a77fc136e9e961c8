import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../dashboard/route-table.js';
import { totalJobs as countJobs } from '../support/job-totals.js';
import { type TestSystem, producerKey, startTestSystem } from '../support/test-system.js';
import { concretePath, publicRoutes, routeTableOf } from './support/route-probe.js';
import { recordScenario } from './support/scenario-result.js';

/**
 * Scenario 6: every route of the ingress — read from the Express router stack, so a route added
 * tomorrow is covered without being listed here — refuses a request without a key (401), with a
 * wrong key (401), and, when it is an operator route, with a producer key (403). Nothing a refused
 * request asked for happens: no job appears in any queue.
 */

let system: TestSystem;
let routes: RouteEntry[];

beforeAll(async () => {
  system = await startTestSystem('fault-auth', { roles: { workers: [], ingress: true, schedulers: false } });
  routes = await routeTableOf(system);
});
afterAll(async () => {
  await system?.close();
});

/** Operator routes of the HTTP contract (README "HTTP API", dashboard/openapi.ts): if one of these exists, it must demand an operator key. */
const designOperatorRoutes = [
  /^GET \/api\/analytics\//,
  /^GET \/api\/alerts\//,
  /^POST \/api\/users\/:userId\/export$/,
  /^DELETE \/api\/users\/:userId$/,
  /^\w+ \/api\/admin\//,
  /^\w+ \/admin\/queues/,
];

const totalJobs = () => countJobs(system.services.producer);

describe('scenario 6: auth on every route', () => {
  it('finds the routes, and every non-public one is guarded with the right scope', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    // The walker must see the routes we know of; if Express internals change, this fails loudly.
    expect(names).toContain('POST /api/questions/validate');
    expect(names).toContain('GET /api/jobs/:queue/:jobId');
    expect(names).toContain('POST /api/admin/queues/:queue/replay-failed');
    expect(names).toContain('ALL /admin/queues/*');
    expect(names.some((n) => n.startsWith('PUT /admin/queues/api/queues/'))).toBe(true); // Bull Board's own actions

    const unguarded = routes.filter((r) => !publicRoutes.has(`${r.method} ${r.path}`) && r.scope === undefined);
    expect(unguarded.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const operatorByDesign = routes.filter((r) => designOperatorRoutes.some((re) => re.test(`${r.method} ${r.path}`)));
    expect(operatorByDesign.filter((r) => r.scope !== 'operator').map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('401 without a key and with a wrong key, 403 with the wrong scope; nothing is enqueued', async () => {
    const started = Date.now();
    const jobsBefore = await totalJobs();
    const guarded = routes.filter((r) => r.scope !== undefined);
    const failures: string[] = [];
    let sent = 0;
    let asExpected = 0;

    const probe = async (route: RouteEntry, key: string | null, basic: boolean, expected: number) => {
      const method = route.method === 'ALL' ? 'POST' : route.method;
      const headers = new Headers({ 'content-type': 'application/json' });
      if (key) headers.set('authorization', basic ? `Basic ${Buffer.from(`ops:${key}`).toString('base64')}` : `Bearer ${key}`);
      const body = method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify({ text: 'What is a process?', type: 'short_answer', userId: 'u1' });
      sent += 1;
      const res = await fetch(`${system.url}${concretePath(route.path)}`, { method, headers, body });
      const text = method === 'HEAD' ? '' : await res.text();
      let code: unknown;
      try {
        code = JSON.parse(text).error?.code;
      } catch {
        code = undefined;
      }
      const want = expected === 401 ? 'unauthorized' : 'forbidden';
      if (res.status === expected && (method === 'HEAD' || code === want)) asExpected += 1;
      else failures.push(`${method} ${route.path} key=${key ? (basic ? 'basic' : 'bearer') : 'none'}: ${res.status} ${text.slice(0, 120)}`);
    };

    for (const route of guarded) {
      await probe(route, null, false, 401);
      await probe(route, 'wrong-key-wrong-key-wrong-key', false, 401);
      await probe(route, 'wrong-key-wrong-key-wrong-key', true, 401);
      if (route.scope === 'operator') {
        await probe(route, producerKey, false, 403);
        // Basic auth is for browsers on Bull Board only; elsewhere it is no credential at all.
        await probe(route, producerKey, true, route.path.startsWith('/admin/queues') ? 403 : 401);
      }
    }
    const jobsAfter = await totalJobs();

    recordScenario({
      id: 6,
      scenario: 'auth on every route (no key / wrong key / wrong scope)',
      sent,
      completed: asExpected,
      lost: 0,
      duplicated: jobsAfter - jobsBefore,
      seconds: (Date.now() - started) / 1000,
      note: `${guarded.length} guarded routes; ${failures.length} wrong answers; duplicated = jobs enqueued by refused requests`,
    });
    expect(failures).toEqual([]);
    expect(asExpected).toBe(sent);
    expect(jobsAfter).toBe(jobsBefore);
  });
});
