import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { DecisionTrace } from '../../core/contracts/decision-trace.js';
import { DecisionInsightCache, evictLearnerInsights } from '../../db/cache/decision-insight-cache.js';
import { dropDecisionInsightsBefore, ensureDecisionInsightPartitions } from '../../db/queries/decision-insight-partitions.js';
import { copyDecisionInsights, findDecisionInsight, insertDecisionInsights } from '../../db/queries/decision-insights.js';
import { eraseLearner } from '../../db/queries/learner-erasure.js';
import { isDataError } from '../../workers/runtime/per-services.js';
import { finishedJob } from '../support/finished-job.js';
import { type TestSystem, operatorKey, startTestSystem } from '../support/test-system.js';

const now = new Date('2025-06-15T12:00:00Z');
let system: TestSystem;
let cache: DecisionInsightCache;

beforeAll(async () => {
  system = await startTestSystem('insights-reads', {
    roles: { workers: ['decision-insights'], ingress: true, schedulers: false },
    now: () => now,
  });
  cache = new DecisionInsightCache(system.services.redis, system.config.QUEUE_PREFIX);
});
afterAll(async () => {
  await system?.close();
});

const trace = (id: string, extra: Partial<DecisionTrace> = {}): DecisionTrace => ({
  decisionId: id,
  kind: 'session-item',
  userId: 'reader-1',
  sessionId: 'session-r1',
  createdAt: '2025-06-14T08:00:00.000Z',
  inputs: { skill: 0.4, slot: 'spaced-repetition' },
  outputs: { questionId: 'q-1', targetDifficulty: 0.55 },
  modelVersion: 'test/v1',
  ...extra,
});

/** A decision-insights job once finished: its state, result and failure reason. */
const finished = (jobId: string) => finishedJob(system.services.producer.queue('decision-insights'), jobId);

async function metric(name: string): Promise<number> {
  const text = await (await system.request('/metrics', { key: null })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('GET /api/insights/:decisionId (cache-first)', () => {
  it('answers a trace written through the queue from the cache the writer warmed, without Postgres', async () => {
    const t = trace('read-warm-1');
    const [jobId] = await system.services.producer.sendMany('decision-insights', 'record', [{ payload: t, options: { jobId: 'trace-read-warm-1' } }]);
    expect(await finished(jobId!)).toMatchObject({ state: 'completed', result: { stored: 1 } });
    expect(await system.services.redis.exists(cache.key('read-warm-1'))).toBe(1);

    // Remove the row: only the cache can answer now.
    await sql`DELETE FROM decision_insights WHERE decision_id = 'read-warm-1'`.execute(system.services.db);
    const hitsBefore = await metric('learnloop_insight_cache_hits_total');
    const res = await system.request('/api/insights/read-warm-1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(t);
    expect(await metric('learnloop_insight_cache_hits_total')).toBe(hitsBefore + 1);

    // Without the cache entry the trace is gone for good.
    await system.services.redis.del(cache.key('read-warm-1'));
    const gone = await system.request('/api/insights/read-warm-1');
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as any).error.code).toBe('not_found');
  });

  it('fills the cache on a miss, with the 300 s TTL', async () => {
    const t = trace('read-miss-1', { createdAt: '2025-06-01T00:00:00.000Z', userId: undefined });
    await insertDecisionInsights(system.services.db, [t]); // straight to Postgres: nothing warmed
    expect(await system.services.redis.exists(cache.key('read-miss-1'))).toBe(0);
    const missesBefore = await metric('learnloop_insight_cache_misses_total');

    const res = await system.request('/api/insights/read-miss-1');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ ...t, userId: undefined });
    expect(body).not.toHaveProperty('userId');
    expect(await metric('learnloop_insight_cache_misses_total')).toBe(missesBefore + 1);

    const ttl = await system.services.redis.ttl(cache.key('read-miss-1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    expect(JSON.parse((await system.services.redis.get(cache.key('read-miss-1')))!)).toEqual(body);
  });

  it('answers 404 for an unknown decision, 400 for a malformed id, 401 without a key', async () => {
    expect((await system.request('/api/insights/never-made')).status).toBe(404);
    const bad = await system.request('/api/insights/has%20space');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe('invalid_request');
    expect((await system.request('/api/insights/never-made', { key: null })).status).toBe(401);
  });

  it('reports a duplicate trace as not stored, and keeps one row', async () => {
    const t = trace('read-dup-1');
    const ids = await system.services.producer.sendMany('decision-insights', 'record', [{ payload: t }, { payload: t }]);
    const results = await Promise.all(ids.map(async (id) => (await finished(id)).result));
    expect(results.map((r) => r.stored).sort()).toEqual([0, 1]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM decision_insights WHERE decision_id = 'read-dup-1'`.execute(system.services.db);
    expect(rows[0]!.n).toBe(1);
  });
});

describe('record-batch and poison traces', () => {
  it('stores the traces of a record-batch job, and fails for good only a trace Postgres refuses', async () => {
    const good = [trace('batch-good-1'), trace('batch-good-2')];
    const poison = trace('batch-poison');
    // The trace schema refuses every value we know Postgres to refuse (NUL, lone surrogates, year
    // 0000, …), so here Postgres is made to refuse this one row itself: a CHECK that raises a data
    // exception (division by zero, 22012) for it alone — the kind of refusal the guard isolates.
    await sql`ALTER TABLE decision_insights ADD CONSTRAINT test_refuses_batch_poison
      CHECK (CASE WHEN decision_id = 'batch-poison' THEN length(decision_id) / 0 > 0 ELSE true END)`.execute(system.services.db);
    onTestFinished(async () => {
      await sql`ALTER TABLE decision_insights DROP CONSTRAINT test_refuses_batch_poison`.execute(system.services.db);
    });
    const queue = system.services.producer.queue('decision-insights');
    const [poisoned] = await system.services.producer.sendMany('decision-insights', 'record-batch', [{ payload: { traces: [good[0]!, poison, good[1]!] } }]);
    const [innocent] = await system.services.producer.sendMany('decision-insights', 'record-batch', [{ payload: { traces: [trace('batch-good-3')] } }]);
    expect((await finished(innocent!)).result).toEqual({ stored: 1 });
    const outcome = await finished(poisoned!);
    expect(outcome.state).toBe('failed');
    expect(outcome.failedReason).toContain('batch-poison');
    expect((await queue.getJob(poisoned!))!.attemptsMade).toBe(1); // unrecoverable: no retries
    const { rows } = await sql<{ id: string }>`
      SELECT decision_id AS id FROM decision_insights WHERE decision_id LIKE 'batch-%' ORDER BY 1`.execute(system.services.db);
    expect(rows.map((r) => r.id)).toEqual(['batch-good-1', 'batch-good-2', 'batch-good-3']);
  });
});

describe('cache warming: the newest decision of each learner in a job', () => {
  it('warms a record-batch job\'s newest trace per learner and every trace without one; the rest read through', async () => {
    const older = trace('warm-pick-old', { userId: 'warm-a', createdAt: '2025-06-14T08:00:00.000Z' });
    const newest = trace('warm-pick-new', { userId: 'warm-a', createdAt: '2025-06-14T09:00:00.000Z' });
    const middle = trace('warm-pick-mid', { userId: 'warm-a', createdAt: '2025-06-14T08:30:00.000Z' });
    const other = trace('warm-pick-b', { userId: 'warm-b' });
    const anonymous = trace('warm-pick-none', { userId: undefined });
    const [jobId] = await system.services.producer.sendMany('decision-insights', 'record-batch', [
      { payload: { traces: [older, newest, middle, other, anonymous] } },
    ]);
    expect((await finished(jobId!)).result).toEqual({ stored: 5 });
    const cached = async (id: string) => system.services.redis.exists(cache.key(id));
    expect([await cached('warm-pick-new'), await cached('warm-pick-b'), await cached('warm-pick-none')]).toEqual([1, 1, 1]);
    expect([await cached('warm-pick-old'), await cached('warm-pick-mid')]).toEqual([0, 0]);

    // Not warmed is not lost: the first read comes from Postgres and fills the cache.
    const res = await system.request('/api/insights/warm-pick-old');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(older);
    expect(await cached('warm-pick-old')).toBe(1);
  });
});

describe('COPY write path (large batches)', () => {
  const many = (prefix: string, n: number, extra: (i: number) => Partial<DecisionTrace> = () => ({})) =>
    Array.from({ length: n }, (_, i) => trace(`${prefix}-${String(i).padStart(3, '0')}`, { userId: `${prefix}-learner-${i % 7}`, ...extra(i) }));
  const storedIds = async (prefix: string) =>
    (await sql<{ id: string }>`SELECT decision_id AS id FROM decision_insights WHERE decision_id LIKE ${`${prefix}-%`} ORDER BY 1`.execute(system.services.db)).rows.map((r) => r.id);

  it('stores text COPY must escape exactly as given, and sub-millisecond instants exactly', async () => {
    const awkward = trace('copy-esc-1', {
      kind: 'tab\there, newline\nand \\N backslash \\ and \r return',
      modelVersion: 'v\\1\t',
      inputs: { text: 'a\tb\nc\\d "quoted" \u00e9 \ud83d\ude00', nested: { list: [1, null, 'x\\y'] } },
      outputs: { empty: '', backslashN: '\\N' },
    });
    const fine = trace('copy-esc-2', { userId: undefined, sessionId: undefined, createdAt: '2025-06-14T08:00:00.123456Z' });
    expect(await copyDecisionInsights(system.services.db, [awkward, fine])).toEqual(new Set(['copy-esc-1', 'copy-esc-2']));
    expect(await findDecisionInsight(system.services.db, 'copy-esc-1')).toEqual(awkward);
    const { rows } = await sql<{ at: string; user_id: string | null }>`
      SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, user_id FROM decision_insights WHERE decision_id = 'copy-esc-2'`.execute(system.services.db);
    expect(rows).toEqual([{ at: '2025-06-14T08:00:00.123456Z', user_id: null }]);
  });

  it('is idempotent: a batch partly stored before stores only the rest, and reports only those', async () => {
    const traces = many('copy-idem', 150);
    await insertDecisionInsights(system.services.db, traces.slice(100));
    const inserted = await copyDecisionInsights(system.services.db, [...traces, traces[3]!]); // and one twice
    expect([...inserted].sort()).toEqual(traces.slice(0, 100).map((t) => t.decisionId));
    expect(await storedIds('copy-idem')).toEqual(traces.map((t) => t.decisionId));
    expect(await copyDecisionInsights(system.services.db, traces)).toEqual(new Set());
  });

  it('stores nothing about an erased learner, and the rest of the batch', async () => {
    await eraseLearner(system.services.db, 'copy-erased-learner-3', now);
    const traces = many('copy-erased', 140);
    const inserted = await copyDecisionInsights(system.services.db, traces);
    const kept = traces.filter((t) => t.userId !== 'copy-erased-learner-3').map((t) => t.decisionId);
    expect([...inserted].sort()).toEqual(kept);
    expect(await storedIds('copy-erased')).toEqual(kept);
  });

  it('refuses a trace Postgres cannot store in a large record-batch job, for good, and stores its neighbours', async () => {
    const traces = many('copy-poison', 200);
    // As in the record-batch test above: the schema refuses every value known to be unstorable, so
    // Postgres is made to refuse this one row itself (a CHECK raising 22012); here it fails a COPY.
    await sql`ALTER TABLE decision_insights ADD CONSTRAINT test_refuses_copy_poison
      CHECK (CASE WHEN decision_id = 'copy-poison-120' THEN length(decision_id) / 0 > 0 ELSE true END)`.execute(system.services.db);
    onTestFinished(async () => {
      await sql`ALTER TABLE decision_insights DROP CONSTRAINT test_refuses_copy_poison`.execute(system.services.db);
    });
    const [jobId] = await system.services.producer.sendMany('decision-insights', 'record-batch', [{ payload: { traces } }]);
    const outcome = await finished(jobId!);
    expect(outcome.state).toBe('failed');
    expect(outcome.failedReason).toContain('copy-poison-120');
    expect((await system.services.producer.queue('decision-insights').getJob(jobId!))!.attemptsMade).toBe(1);
    expect(await storedIds('copy-poison')).toEqual(traces.filter((_, i) => i !== 120).map((t) => t.decisionId));
  });

  it('refuses text COPY would alter (a lone surrogate) as the INSERT does, rather than storing U+FFFD', async () => {
    // The job schema refuses such text; the query does not rely on it.
    const traces = many('copy-lone', 150, (i) => (i === 7 ? { kind: 'lone \ud800 surrogate' } : {}));
    const error = await copyDecisionInsights(system.services.db, traces).catch((e: unknown) => e);
    expect(isDataError(error)).toBe(true);
    expect(await storedIds('copy-lone')).toEqual([]);
  });
});

describe('GDPR erasure', () => {
  it('hides an erased learner\'s traces, evicts them from the cache and stores no new ones', async () => {
    const before = trace('erase-1', { userId: 'to-forget' });
    const [jobId] = await system.services.producer.sendMany('decision-insights', 'record', [{ payload: before }]);
    await finished(jobId!);
    expect((await system.request('/api/insights/erase-1')).status).toBe(200);

    await eraseLearner(system.services.db, 'to-forget', now);
    expect(await evictLearnerInsights(system.services.db, cache, 'to-forget')).toBe(1);
    expect((await system.request('/api/insights/erase-1')).status).toBe(404);
    expect((await system.request('/api/users/to-forget/insights')).status).toBe(404);

    const after = trace('erase-2', { userId: 'to-forget' });
    const [late] = await system.services.producer.sendMany('decision-insights', 'record', [{ payload: after }]);
    expect((await finished(late!)).result).toEqual({ stored: 0 });
    expect(await system.services.redis.exists(cache.key('erase-2'))).toBe(0);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM decision_insights WHERE decision_id = 'erase-2'`.execute(system.services.db);
    expect(rows[0]!.n).toBe(0);
  });
});

describe('GET /api/users/:userId/insights (keyset pagination)', () => {
  // 25 traces, several in the same millisecond (differing in microseconds) and two at the same
  // instant: the cursor must neither skip nor repeat any of them.
  const traces = Array.from({ length: 25 }, (_, i) =>
    trace(`page-${String(i).padStart(2, '0')}`, {
      userId: 'pager-1',
      createdAt: `2025-06-1${Math.floor(i / 10)}T10:00:00.000${String(i % 10 === 9 ? 8 : i % 10).padStart(3, '0')}Z`,
    }),
  );

  beforeAll(async () => {
    await insertDecisionInsights(system.services.db, traces);
    await insertDecisionInsights(system.services.db, [trace('other-user-1', { userId: 'pager-2' })]);
  });

  it('pages newest first without gaps or repeats and ends with a null cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const res = await system.request(`/api/users/pager-1/insights?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: DecisionTrace[]; nextCursor: string | null };
      sizes.push(body.items.length);
      seen.push(...body.items.map((t) => t.decisionId));
      cursor = body.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([10, 10, 5]);
    const expected = [...traces]
      .sort((a, b) => (a.createdAt === b.createdAt ? b.decisionId.localeCompare(a.decisionId) : b.createdAt.localeCompare(a.createdAt)))
      .map((t) => t.decisionId);
    expect(seen).toEqual(expected);
  });

  it('validates limit and cursor, and answers an empty page for a learner without decisions', async () => {
    expect((await system.request('/api/users/pager-1/insights?limit=101')).status).toBe(400);
    expect((await system.request('/api/users/pager-1/insights?limit=0')).status).toBe(400);
    const badCursor = await system.request('/api/users/pager-1/insights?cursor=bm90LWEtY3Vyc29y');
    expect(badCursor.status).toBe(400);
    expect(((await badCursor.json()) as any).error.code).toBe('invalid_cursor');
    const empty = await system.request('/api/users/nobody/insights');
    expect(await empty.json()).toEqual({ items: [], nextCursor: null });
  });
});

describe('monthly partitions', () => {
  it('creates a month whose rows already sit in the DEFAULT partition, moving them into it', async () => {
    const stray = [1, 2, 3].map((i) => trace(`stray-${i}`, { createdAt: `2031-05-0${i}T00:00:00Z` }));
    await insertDecisionInsights(system.services.db, stray);
    const where = async () =>
      (await sql<{ part: string }>`SELECT tableoid::regclass::text AS part FROM decision_insights WHERE decision_id LIKE 'stray-%'`.execute(system.services.db)).rows.map((r) => r.part);
    expect(await where()).toEqual(['decision_insights_default', 'decision_insights_default', 'decision_insights_default']);

    expect(await ensureDecisionInsightPartitions(system.services.db, ['2031-05-01'])).toEqual(['2031-05-01']);
    expect(await where()).toEqual(['decision_insights_p2031_05', 'decision_insights_p2031_05', 'decision_insights_p2031_05']);
    expect(await ensureDecisionInsightPartitions(system.services.db, ['2031-05-01'])).toEqual([]);
    // The partitioned indexes came along with the attach.
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'decision_insights_p2031_05'`.execute(system.services.db);
    expect(rows[0]!.n).toBeGreaterThanOrEqual(3);
  });

  it('retention drops whole months before the cutoff and old rows of the DEFAULT partition', async () => {
    await ensureDecisionInsightPartitions(system.services.db, ['2024-01-01', '2024-02-01']);
    await insertDecisionInsights(system.services.db, [
      trace('old-jan', { createdAt: '2024-01-10T00:00:00Z' }),
      trace('old-feb', { createdAt: '2024-02-10T00:00:00Z' }),
      trace('old-default', { createdAt: '2023-06-10T00:00:00Z' }),
    ]);
    const result = await dropDecisionInsightsBefore(system.services.db, new Date('2024-02-15T00:00:00Z'));
    expect(result).toEqual({ partitions: ['decision_insights_p2024_01'], defaultRows: 1 });
    const { rows } = await sql<{ id: string }>`SELECT decision_id AS id FROM decision_insights WHERE decision_id LIKE 'old-%'`.execute(system.services.db);
    expect(rows.map((r) => r.id)).toEqual(['old-feb']);
  });
});

describe('operator scope on analytics', () => {
  it('refuses a producer key on /api/analytics/daily and validates the range', async () => {
    expect((await system.request('/api/analytics/daily')).status).toBe(403);
    expect((await system.request('/api/analytics/daily?from=2025-02-30', { key: operatorKey })).status).toBe(400);
    expect((await system.request('/api/analytics/daily?from=2025-03-02&to=2025-03-01', { key: operatorKey })).status).toBe(400);
    expect((await system.request('/api/analytics/daily?from=2023-01-01&to=2025-01-01', { key: operatorKey })).status).toBe(400);
  });
});
