import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { routeDocs } from '../../dashboard/openapi.js';
import type { RouteEntry } from '../../dashboard/route-table.js';
import { InvalidPayloadError } from '../../pipelines/producer.js';
import { type QueueName, jobDefinition, queueNames, registry } from '../../pipelines/registry.js';
import { concretePath, routeTableOf } from '../faults/support/route-probe.js';
import { totalJobs } from '../support/job-totals.js';
import { type TestSystem, operatorKey, producerKey, startTestSystem } from '../support/test-system.js';
import { deeplyNestedText, fromJsonSchema, hostileJson, hostileString, mutatedJsonText } from './support/arbitraries.js';
import { fuzzPropertyTimeoutMs, fuzzRuns, fuzzSeed } from './support/fuzz-config.js';

/**
 * The generated fuzz suite (issue 18): requests for every route the router
 * has — read from the router stack, so tomorrow's routes are fuzzed without being listed — and
 * payloads for every job in the registry, built from the registry's own schemas and made hostile.
 *
 * Invariants, per request:
 * - never a 5xx, a hang or a dropped connection (and the process keeps serving);
 * - every 4xx carries the uniform error body;
 * - a job the edge accepted never fails (for HTTP: for any reason; for payloads written straight to
 *   BullMQ: for a reason of shape, which the producer's validation could have seen);
 * - a refused request stores and enqueues nothing (the system is idle before each request, so any
 *   job or row that appears belongs to it).
 */

const workerQueues: QueueName[] = queueNames.filter((q) => q !== 'backups');
const exportDir = mkdtempSync(join(tmpdir(), 'learnloop-fuzz-exports-'));
const backupDir = mkdtempSync(join(tmpdir(), 'learnloop-fuzz-backups-'));
let system: TestSystem;
let routes: RouteEntry[];
let tables: string[];

beforeAll(async () => {
  system = await startTestSystem('fuzz', {
    roles: { workers: workerQueues, ingress: true, schedulers: false },
    env: { EXPORT_DIR: exportDir, BACKUP_DIR: backupDir, BLOOM_THREADS: '1', HTTP_REQUEST_TIMEOUT_MS: '5000' },
  });
  const seen = new Set<string>();
  routes = (await routeTableOf(system)).filter((r) => {
    const name = `${r.method} ${r.path}`;
    if (r.method === 'ALL' || seen.has(name) || isBullBoardMutation(r)) return false;
    seen.add(name);
    return true;
  });
  tables = (
    await system.query<{ name: string }>(
      "SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('audit_log') AND table_name NOT LIKE 'kysely%'",
    )
  ).map((r) => r.name);
});
afterAll(async () => {
  await system?.close();
  rmSync(exportDir, { recursive: true, force: true });
  rmSync(backupDir, { recursive: true, force: true });
});

// ---- observing the system ------------------------------------------------------------------

/** Jobs in every queue plus rows in every table (audit_log aside: refusals are audited on purpose). */
async function footprint(): Promise<string> {
  const counts = tables.length ? await system.query(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`) : [{}];
  return JSON.stringify({ jobs: await totalJobs(system.services.producer), rows: counts[0] });
}

async function untilIdle(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let busy = 0;
    for (const name of workerQueues) {
      const c = await system.services.producer.queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      busy += Object.values(c).reduce((a, b) => a + b, 0);
    }
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error('queues did not become idle within 60 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits for a job and returns why it failed, if it did (retries included), else undefined. */
async function failureOf(queue: QueueName, jobId: string): Promise<string | undefined> {
  if (!workerQueues.includes(queue)) return undefined;
  const bullQueue = system.services.producer.queue(queue);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await bullQueue.getJob(jobId);
    if (!job) return undefined; // removed on completion by retention options: it completed
    if (job.failedReason) return job.failedReason;
    const state = await job.getState();
    if (state === 'completed') return undefined;
    if (Date.now() > deadline) return `job ${jobId} not finished within 60 s (state ${state})`;
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---- per-route counts, printed as the fault suite does ----------------------------------------

const tally = new Map<string, { runs: number; statuses: Map<number, number> }>();
function count(route: string, status: number) {
  const row = tally.get(route) ?? { runs: 0, statuses: new Map() };
  row.runs += 1;
  row.statuses.set(status, (row.statuses.get(status) ?? 0) + 1);
  tally.set(route, row);
}
afterAll(() => {
  const lines = [...tally.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, row]) => {
      const by = [...row.statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
      return `${route.padEnd(58)} ${String(row.runs).padStart(5)}  ${by}`;
    });
  const total = [...tally.values()].reduce((a, r) => a + r.runs, 0);
  process.stdout.write(`\nFuzz suite — seed ${fuzzSeed}, ${fuzzRuns} runs per route/job, ${total} in all\n${'route / job'.padEnd(58)} ${'runs'.padStart(5)}  statuses\n${lines.join('\n')}\n`);
});

// ---- generating requests ---------------------------------------------------------------------

const validId = fc.stringMatching(/^[A-Za-z0-9_.@-]{1,24}$/);
/** Percent-encodes any string byte by byte (encodeURIComponent throws on lone surrogates). */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const hostileSegment = fc.oneof(
  hostileString.map((s) => pct(s.slice(0, 300))),
  // Bytes that are not UTF-8 at all, and an encoded lone surrogate.
  fc.constantFrom('%FF', '%ED%A0%80', '%C0%AF', '%00', '%2E%2E', '%2F', 'a%'),
);

function paramArb(name: string): fc.Arbitrary<string> {
  if (/^queue/i.test(name)) return fc.oneof(fc.constantFrom(...queueNames), hostileSegment);
  return fc.oneof({ weight: 3, arbitrary: validId }, { weight: 2, arbitrary: hostileSegment });
}

function pathArb(pattern: string): fc.Arbitrary<string> {
  const parts = pattern.split('/').map((segment) => {
    if (segment.startsWith(':')) return paramArb(segment.slice(1));
    if (segment.startsWith('*') || segment.includes('{')) return fc.constant(concretePath(segment));
    return fc.constant(segment);
  });
  return fc.tuple(...parts).map((s) => s.join('/'));
}

const hostileQueryArb = fc
  .record(
    {
      wait: fc.oneof(fc.constantFrom('0', '1', '50', '2000', 'abc', '-1', '1.5', '', '99999999', '30001'), hostileSegment),
      limit: fc.oneof(fc.constantFrom('1', '10', '0', '-5', '1001', 'x'), hostileSegment),
      cursor: hostileSegment,
      from: fc.constantFrom('2025-01-01', 'not-a-date', '2025-13-45'),
      odd: hostileSegment,
    },
    { requiredKeys: [] },
  )
  .map((q) => {
    const entries = Object.entries(q);
    return entries.length ? `?${entries.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
  });
const queryArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3_000 }).map((ms) => `?wait=${ms}`) },
  { weight: 2, arbitrary: hostileQueryArb },
);

const questionJson = z.toJSONSchema(registry['question-validation'].jobs.validate.payload, { io: 'input', unrepresentable: 'any' }) as any;

/** What a route's body looks like when valid: its job's payload (OpenAPI's `enqueues`), with known exceptions. */
function validBodyArb(method: string, pattern: string): fc.Arbitrary<unknown> | undefined {
  const docPath = pattern.replace(/:(\w+)/g, '{$1}');
  if (pattern === '/api/questions/import') {
    return fc.record({ questions: fc.array(fromJsonSchema(questionJson.properties.question, questionJson), { minLength: 1, maxLength: 4 }) });
  }
  if (pattern === '/api/questions/validate') return fromJsonSchema(questionJson.properties.question, questionJson);
  const doc = routeDocs.find((d) => d.method === method.toLowerCase() && d.path === docPath && d.enqueues && d.method !== 'delete');
  if (!doc?.enqueues) return undefined;
  const [queue, job] = doc.enqueues.split('/') as [QueueName, string];
  const schema = z.toJSONSchema(jobDefinition(queue, job).payload, { io: 'input', unrepresentable: 'any' }) as any;
  return fromJsonSchema(schema);
}

interface FuzzRequest {
  path: string;
  query: string;
  key: 'operator' | 'producer' | 'none' | 'malformed' | 'trailing';
  contentType?: string;
  extraHeaders: Record<string, string>;
  body?: string;
}

function requestArb(route: RouteEntry): fc.Arbitrary<FuzzRequest> {
  const valid = validBodyArb(route.method, route.path);
  const takesBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  const bodies: fc.Arbitrary<string | undefined>[] = [
    hostileJson.map((v) => JSON.stringify(v)),
    deeplyNestedText,
    fc.constantFrom('{', '{"a":', 'nul', '[1,2', '\u0000', '{"text": "\\ud800"}', '{"a":"\\u0000"}', 'text,type\n"open,essay\n'),
  ];
  if (valid) bodies.push(valid.map((v) => JSON.stringify(v)), mutatedJsonText(valid), mutatedJsonText(valid));
  else bodies.push(mutatedJsonText(fc.constant({})));
  // fetch sends no body with GET or HEAD; DELETE may carry one.
  const bodyArb = takesBody
    ? fc.oneof(...bodies)
    : route.method === 'DELETE'
      ? fc.option(hostileJson.map((v) => JSON.stringify(v)), { freq: 5 })
      : fc.constant(undefined);
  return fc.record({
    path: pathArb(route.path),
    query: queryArb,
    key: fc.oneof(
      { weight: 12, arbitrary: fc.constant('operator' as const) },
      { weight: 1, arbitrary: fc.constantFrom('producer' as const, 'none' as const, 'malformed' as const, 'trailing' as const) },
    ),
    contentType: fc.oneof(
      { weight: 12, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(undefined, 'text/csv', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'application/merge-patch+json'),
      },
    ) as fc.Arbitrary<string | undefined>,
    extraHeaders: fc.record(
      {
        'x-request-id': hostileString.map((s) => pct(s).slice(0, 200)),
        'content-encoding': fc.constantFrom('identity', 'identity', 'identity', 'identity', 'identity', 'identity', 'gzip', 'x-nonsense'),
        'x-forwarded-for': fc.constantFrom('203.0.113.9', 'not-an-ip', '::1, 10.0.0.1'),
        accept: fc.constantFrom('application/json', 'text/html', '*/*'),
      },
      { requiredKeys: [] },
    ),
    body: bodyArb as fc.Arbitrary<string | undefined>,
  }) as fc.Arbitrary<FuzzRequest>;
}

function authorization(key: FuzzRequest['key']): string | undefined {
  if (key === 'operator') return `Bearer ${operatorKey}`;
  if (key === 'producer') return `Bearer ${producerKey}`;
  if (key === 'malformed') return 'Bearer';
  if (key === 'trailing') return `Bearer ${operatorKey} extra`;
  return undefined;
}

/**
 * Bull Board's own mutating API (pause, obliterate, clean … every queue) is left out: a fuzzer with
 * an operator key would pause the very workers the other invariants wait on. Its auth is checked on
 * every route by test/faults/06; its reads are fuzzed like ours.
 */
function isBullBoardMutation(route: RouteEntry): boolean {
  return route.path.startsWith('/admin/queues/api/') && route.method !== 'GET';
}

async function send(route: RouteEntry, request: FuzzRequest): Promise<void> {
  const headers = new Headers(request.extraHeaders);
  const auth = authorization(request.key);
  if (auth) headers.set('authorization', auth);
  if (request.body !== undefined) headers.set('content-type', request.contentType ?? 'application/json');
  const before = await footprint();
  let res: Response;
  try {
    res = await fetch(`${system.url}${request.path}${request.query}`, {
      method: route.method,
      headers,
      body: request.body,
      signal: AbortSignal.timeout(45_000),
    });
  } catch (error) {
    throw new Error(`no answer (hang or dropped connection): ${(error as Error).message}`);
  }
  const text = await res.text();
  count(`${route.method} ${route.path}`, res.status);
  expect(res.status, text.slice(0, 300)).toBeLessThan(500);
  if (res.status >= 400) {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof body.error?.code, text.slice(0, 300)).toBe('string');
    expect(typeof body.error?.message).toBe('string');
    // A refused request leaves nothing behind. (A 422 is a job that ran and failed: see below.)
    if (res.status !== 422) expect(await footprint(), `${route.method} ${request.path} → ${res.status}`).toBe(before);
  }
  const accepted = res.status < 300 && text.startsWith('{') ? (JSON.parse(text) as { jobId?: string; queue?: string }) : {};
  expect(res.status === 422 ? `job failed: ${text.slice(0, 300)}` : undefined).toBeUndefined();
  if (accepted.jobId) {
    const queue = (accepted.queue ?? route.path.split('/')[3]) as QueueName;
    if (queueNames.includes(queue)) expect(await failureOf(queue, accepted.jobId), `${route.method} ${request.path}`).toBeUndefined();
  }
  await untilIdle();
}

describe('fuzz: every route of the router', () => {
  it('answers every generated request without a 5xx, in the error body, leaving nothing behind when refused', { timeout: fuzzPropertyTimeoutMs }, async () => {
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(requestArb(route), (request) => send(route, request)),
        { numRuns: fuzzRuns, seed: fuzzSeed, endOnFailure: true },
      );
    }
    expect((await fetch(`${system.url}/healthz`)).status).toBe(200);
  });
});

// ---- job payloads, straight to BullMQ ------------------------------------------------------------

/** Failures that depend on state the producer cannot see (a session that does not exist, …). */
const stateReason = /does not exist|has been erased|belongs to another learner|not found|no such|unknown backup/i;

describe('fuzz: every job payload of the registry', () => {
  it('refuses bad payloads with nothing enqueued, and accepted ones never fail for their shape', { timeout: fuzzPropertyTimeoutMs }, async () => {
    for (const queue of queueNames) {
      for (const job of Object.keys(registry[queue].jobs)) {
        const schema = z.toJSONSchema(jobDefinition(queue, job).payload, { io: 'input', unrepresentable: 'any' }) as any;
        const valid = fromJsonSchema(schema);
        const payloads = fc.oneof(
          { weight: 3, arbitrary: valid },
          { weight: 3, arbitrary: mutatedJsonText(valid).map((t) => JSON.parse(t) as unknown) },
          { weight: 1, arbitrary: hostileJson },
        );
        await fc.assert(
          fc.asyncProperty(payloads, async (payload) => {
            const before = await footprint();
            let jobId: string | undefined;
            try {
              jobId = await system.services.producer.send(queue, job as never, payload as never);
            } catch (error) {
              if (!(error instanceof InvalidPayloadError)) throw error;
            }
            count(`job ${queue}/${job}`, jobId ? 202 : 400);
            if (!jobId) {
              expect(await footprint()).toBe(before);
              return;
            }
            if (!workerQueues.includes(queue)) {
              await system.services.producer.queue(queue).remove(jobId);
              return;
            }
            const failure = await failureOf(queue, jobId);
            if (failure !== undefined && !stateReason.test(failure)) expect.fail(`${queue}/${job} accepted, then failed: ${failure}`);
            await untilIdle();
          }),
          { numRuns: fuzzRuns, seed: fuzzSeed, endOnFailure: true },
        );
      }
    }
  });
});
