import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionCutoff } from '../../core/retention/retention-policies.js';
import { ensureDecisionInsightPartitions } from '../../db/queries/decision-insight-partitions.js';
import { finishedJob } from '../support/finished-job.js';
import { learnerRowCounts, seedLearner } from '../support/learner-rows.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

// The injected clock: the sweep job without `asOf` evaluates every window as of this instant.
const now = new Date('2025-06-15T12:00:00.000Z');
const SECOND = 1_000;
const cutoff = (days: number) => retentionCutoff(now, days);
const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('retention', {
    roles: { workers: ['retention-cleanup'], ingress: true, schedulers: false },
    // Tiny batches, so every policy needs several batches and the batch loop is exercised.
    env: { RETENTION_BATCH_SIZE: '2' },
    now: () => now,
  });
});
afterAll(async () => {
  await system?.close();
});

async function sweep(payload: { asOf?: string } = {}) {
  const jobId = await system.services.producer.send('retention-cleanup', 'sweep', payload);
  const done = await finishedJob(system.services.producer.queue('retention-cleanup'), jobId);
  expect(done.failedReason).toBeFalsy();
  expect(done.state).toBe('completed');
  return done.result as { deleted: Record<string, number>; archived: Record<string, number>; droppedPartitions: string[]; purgedLearners: number };
}

async function ids(query: string): Promise<string[]> {
  const { rows } = await sql.raw<{ id: string }>(query).execute(system.services.db);
  return rows.map((r) => r.id).sort();
}

describe('retention sweep: every policy at its boundary, clock injected', () => {
  it('keeps every row one second inside its window and removes every row one second outside', async () => {
    const db = system.services.db;

    // sessions, 30 days: three expired (two batches of 2), one exactly at the cutoff, one inside.
    const s = cutoff(30);
    await db
      .insertInto('sessions')
      .values([
        { id: 's-out', user_id: 'u1', size: 1, questions: '[]', created_at: plus(s, -SECOND) },
        { id: 's-old-1', user_id: 'u1', size: 1, questions: '[]', created_at: plus(s, -40 * 86_400_000) },
        { id: 's-old-2', user_id: 'u1', size: 1, questions: '[]', created_at: plus(s, -400 * 86_400_000) },
        { id: 's-edge', user_id: 'u1', size: 1, questions: '[]', created_at: s },
        { id: 's-in', user_id: 'u1', size: 1, questions: '[]', created_at: plus(s, SECOND) },
      ])
      .execute();

    // raw analytics, 90 days, archived before deletion.
    const a = cutoff(90);
    await db
      .insertInto('analytics_events')
      .values([
        { event_id: 'e-out', kind: 'k', user_id: 'u1', session_id: null, payload: '{"x":"é\\n\\t"}', occurred_at: plus(a, -SECOND) },
        { event_id: 'e-old-1', kind: 'k', user_id: null, session_id: null, payload: '{}', occurred_at: plus(a, -5 * SECOND) },
        { event_id: 'e-old-2', kind: 'k', user_id: null, session_id: null, payload: '{}', occurred_at: plus(a, -9 * SECOND) },
        { event_id: 'e-in', kind: 'k', user_id: 'u1', session_id: null, payload: '{}', occurred_at: plus(a, SECOND) },
      ])
      .execute();
    const before = await sql<{ row: string }>`SELECT row_to_json(e)::text AS row FROM analytics_events e WHERE event_id = 'e-out'`.execute(db);

    // decision insights, 90 days: whole months before the cutoff are dropped as partitions; the
    // month holding the cutoff keeps its partition and loses its expired rows; the DEFAULT
    // partition (months without a partition) loses its expired rows batch by batch.
    const d = cutoff(90); // 2025-03-17T12:00:00Z
    await ensureDecisionInsightPartitions(db, ['2025-01-01', '2025-02-01', '2025-03-01']);
    const trace = (id: string, at: Date) => ({ decision_id: id, kind: 'k', user_id: 'u1', session_id: null, created_at: at, inputs: '{}', outputs: '{}', model_version: 'm' });
    await db
      .insertInto('decision_insights')
      .values([
        trace('d-jan', new Date('2025-01-20T00:00:00Z')),
        trace('d-feb', new Date('2025-02-28T23:59:59Z')),
        trace('d-mar-out', plus(d, -SECOND)),
        trace('d-mar-in', plus(d, SECOND)),
        trace('d-default-old-1', new Date('2024-11-02T00:00:00Z')),
        trace('d-default-old-2', new Date('2024-12-02T00:00:00Z')),
        trace('d-default-old-3', new Date('2024-12-03T00:00:00Z')),
        trace('d-default-new', new Date('2025-05-02T00:00:00Z')),
      ])
      .execute();

    // erased learners, 30 days after erasure: one a second past the grace period, one a second
    // short of it, one never erased. Their own rows are recent, inside every other window.
    const g = cutoff(30);
    const recent = plus(now, -3_600 * SECOND);
    await seedLearner(db, 'gone', { at: recent, deletedAt: plus(g, -SECOND) });
    await seedLearner(db, 'grace', { at: recent, deletedAt: plus(g, SECOND) });
    await seedLearner(db, 'active', { at: recent });

    const result = await sweep();

    expect(await ids(`SELECT id FROM sessions WHERE user_id = 'u1'`)).toEqual(['s-edge', 's-in']);
    expect(result.deleted.sessions).toBe(3 + 1); // three expired + the purged learner's session

    expect(await ids(`SELECT event_id AS id FROM analytics_events WHERE event_id LIKE 'e-%'`)).toEqual(['e-in']);
    expect(await ids(`SELECT event_id AS id FROM analytics_events_archive WHERE event_id LIKE 'e-%'`)).toEqual(['e-old-1', 'e-old-2', 'e-out']);
    const after = await sql<{ row: string }>`SELECT row_to_json(e)::text AS row FROM analytics_events_archive e WHERE event_id = 'e-out'`.execute(db);
    expect(after.rows[0]!.row).toBe(before.rows[0]!.row); // archived exactly as it was
    expect(result.archived.analytics_events_archive).toBe(3);

    expect(await ids(`SELECT decision_id AS id FROM decision_insights WHERE user_id = 'u1'`)).toEqual(['d-default-new', 'd-mar-in']);
    expect(result.droppedPartitions.sort()).toEqual(['decision_insights_p2025_01', 'decision_insights_p2025_02']);
    const partitions = await ids(`SELECT c.relname AS id FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'decision_insights'::regclass`);
    expect(partitions).toEqual(['decision_insights_default', 'decision_insights_p2025_03']);

    expect(result.purgedLearners).toBe(1);
    expect(Object.values(await learnerRowCounts(db, 'gone')).every((n) => n === 0)).toBe(true);
    const graceCounts = await learnerRowCounts(db, 'grace');
    const activeCounts = await learnerRowCounts(db, 'active');
    expect(graceCounts).toEqual(activeCounts);
    for (const table of ['learners', 'review_states', 'sessions', 'attempts', 'decision_insights', 'analytics_events', 'analytics_events_archive', 'learning_plans']) {
      expect(graceCounts[table], table).toBeGreaterThan(0);
    }

    // A second sweep finds nothing more to do.
    const again = await sweep();
    expect(again).toMatchObject({ deleted: {}, archived: {}, droppedPartitions: [], purgedLearners: 0 });

    // The counts are exported as Prometheus counters.
    const metrics = await (await system.request('/metrics', { key: null })).text();
    expect(metrics).toMatch(/learnloop_retention_rows_deleted_total\{table="sessions"\} 4/);
    expect(metrics).toMatch(/learnloop_retention_rows_archived_total\{table="analytics_events_archive"\} 3/);
    expect(metrics).toMatch(/learnloop_gdpr_learners_purged_total 1/);
  });

  it('keeps a daily roll-up whose day starts one second inside 730 days and drops one a second outside', async () => {
    const db = system.services.db;
    await db
      .insertInto('analytics_daily')
      .values(['2023-06-16', '2023-06-17', '2023-06-18'].map((day) => ({
        day,
        active_learners: 1,
        sessions: 1,
        completed_sessions: 1,
        completion_rate: 1,
        validations_by_level: '{}',
      })))
      .execute();
    const days = () => ids(`SELECT to_char(day, 'YYYY-MM-DD') AS id FROM analytics_daily`);

    // Cutoff 2023-06-16T23:59:59Z: 2023-06-17 starts one second inside the window.
    let asOf = plus(new Date('2023-06-16T23:59:59Z'), 730 * 86_400_000);
    expect((await sweep({ asOf: asOf.toISOString() })).deleted.analytics_daily).toBe(1);
    expect(await days()).toEqual(['2023-06-17', '2023-06-18']);

    // Cutoff 2023-06-17T00:00:01Z: 2023-06-17 started one second outside.
    asOf = plus(new Date('2023-06-17T00:00:01Z'), 730 * 86_400_000);
    expect((await sweep({ asOf: asOf.toISOString() })).deleted.analytics_daily).toBe(1);
    expect(await days()).toEqual(['2023-06-18']);
  });
});
