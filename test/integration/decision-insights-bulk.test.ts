import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecisionTrace, MAX_TRACES_PER_JOB } from '../../core/contracts/decision-trace.js';
import { traceBatchJobId } from '../../workers/runtime/send-trace.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

// A fixed clock: the writer prepares partitions around "now" (this month and the next two, and
// on demand any month within three months); traces further back go to the DEFAULT partition.
const now = new Date('2025-06-15T12:00:00Z');
const TOTAL = 100_000;
const CHUNK = 5_000;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('insights-bulk', {
    roles: { workers: ['decision-insights'], ingress: true, schedulers: false },
    now: () => now,
  });
});
afterAll(async () => {
  await system?.close();
});

/** Spread over June (current), May (on demand), and January (outside the window: DEFAULT partition). */
function trace(i: number): DecisionTrace {
  const month = ['2025-06-10', '2025-05-20', '2025-01-05'][i % 3];
  return {
    decisionId: `bulk-${i}`,
    kind: 'session-item',
    userId: `learner-${i % 997}`,
    sessionId: `session-${Math.floor(i / 10)}`,
    createdAt: `${month}T${String(i % 24).padStart(2, '0')}:00:00.${String(i % 1_000_000).padStart(6, '0')}Z`,
    inputs: { position: i % 10, skill: (i % 100) / 100 },
    outputs: { questionId: `q-${i % 5000}`, targetDifficulty: 0.5 },
    modelVersion: 'test/v1',
  };
}

/** One `record` job per trace, deduplicated by job id while queued (sendMany → addBulk, in chunks). */
async function enqueueOnePerJob(): Promise<void> {
  for (let from = 0; from < TOTAL; from += CHUNK) {
    const items = [];
    for (let i = from; i < Math.min(TOTAL, from + CHUNK); i++) {
      const t = trace(i);
      items.push({ payload: t, options: { jobId: `trace-${t.decisionId}` } });
    }
    await system.services.producer.sendMany('decision-insights', 'record', items);
  }
}

/** `record-batch` jobs of MAX_TRACES_PER_JOB traces, as sendTraces sends a bulk of traces. */
async function enqueueInBatches(): Promise<void> {
  for (let from = 0; from < TOTAL; from += CHUNK) {
    const jobs = [];
    for (let j = from; j < Math.min(TOTAL, from + CHUNK); j += MAX_TRACES_PER_JOB) {
      const traces = Array.from({ length: Math.min(MAX_TRACES_PER_JOB, TOTAL - j) }, (_, k) => trace(j + k));
      jobs.push({ payload: { traces }, options: { jobId: traceBatchJobId(traces) } });
    }
    await system.services.producer.sendMany('decision-insights', 'record-batch', jobs);
  }
}

async function waitUntilIdle(timeoutMs: number): Promise<void> {
  const queue = system.services.producer.queue('decision-insights');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
    expect(counts.failed).toBe(0);
    if (counts.waiting + counts.active + counts.delayed + counts.prioritized === 0) return;
    if (Date.now() > deadline) throw new Error(`decision-insights not idle: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function counts() {
  const { rows } = await sql<{ total: number; distinct_ids: number }>`
    SELECT count(*)::int AS total, count(DISTINCT decision_id)::int AS distinct_ids FROM decision_insights`.execute(system.services.db);
  return rows[0]!;
}

async function rowsByPartition(): Promise<Record<string, number>> {
  const { rows } = await sql<{ part: string; n: number }>`
    SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM decision_insights GROUP BY 1`.execute(system.services.db);
  return Object.fromEntries(rows.map((r) => [r.part, r.n]));
}

describe('decision-insights: bulk traces are stored exactly once', () => {
  it(`stores ${TOTAL} traces enqueued in bulk once each, in their monthly partitions`, async () => {
    await enqueueOnePerJob();
    await waitUntilIdle(240_000);
    expect(await counts()).toEqual({ total: TOTAL, distinct_ids: TOTAL });
    const third = TOTAL / 3;
    const parts = await rowsByPartition();
    expect(parts.decision_insights_p2025_06).toBe(Math.ceil(third));
    expect(parts.decision_insights_p2025_05).toBe(Math.round(third));
    expect(parts.decision_insights_default).toBe(Math.floor(third));
    // Prepared ahead of time: the next two months exist before any trace of theirs.
    const { rows } = await sql<{ name: string | null }>`SELECT to_regclass('decision_insights_p2025_08')::text AS name`.execute(system.services.db);
    expect(rows[0]!.name).toBe('decision_insights_p2025_08');
  }, 300_000);

  it('stores nothing more when the same traces are enqueued again, as other jobs', async () => {
    // Different jobs this time (record-batch, other job ids): BullMQ cannot dedupe them, every
    // trace is written again and only the store's primary key keeps it from being stored twice.
    await enqueueInBatches();
    await waitUntilIdle(240_000);
    expect(await counts()).toEqual({ total: TOTAL, distinct_ids: TOTAL });
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (SELECT decision_id FROM decision_insights GROUP BY decision_id HAVING count(*) > 1) d`.execute(system.services.db);
    expect(rows[0]!.n).toBe(0);
    // Every job reported its traces as already stored.
    const done = await system.services.producer.queue('decision-insights').getJobs(['completed'], 0, 50);
    const batches = done.filter((j) => j.name === 'record-batch');
    expect(batches.length).toBeGreaterThan(0);
    for (const job of batches) expect(job.returnvalue).toEqual({ stored: 0 });
  }, 300_000);
});
