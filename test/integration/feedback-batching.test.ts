import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FeedbackResultsPayload } from '../../core/contracts/session-contracts.js';
import { createLogger } from '../../observability/logger.js';
import { FeedbackBatcher } from '../../workers/processors/feedback-loop/feedback-batcher.js';
import { pendingResults } from '../../workers/processors/feedback-loop/session-results.js';
import type { ProcessorContext } from '../../workers/runtime/processor.js';
import { seedQuestionBank } from '../support/question-bank.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

// The batcher is driven directly (no feedback workers), so the test decides what shares a batch:
// calls made in the same tick land in one. "Now" is fixed, so every stored time can be compared.
const now = new Date('2026-03-02T12:00:00.000Z');
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('feedback-batching', { roles: { workers: ['decision-insights'], schedulers: false }, now: () => now });
  // Two identical banks: one for the sessions applied one by one, one for the same sessions in a batch.
  await seedQuestionBank(system.services.db, 'seq-q', 20);
  await seedQuestionBank(system.services.db, 'bat-q', 20);
});
afterAll(async () => {
  await system?.close();
});

function context(): ProcessorContext {
  return {
    log: createLogger('silent'),
    db: system.services.db,
    producer: system.services.producer,
    signal: new AbortController().signal,
    job: { id: 'feedback-batching', queue: 'feedback-loop', name: 'results', attempt: 1, enqueuedAt: now },
    reportProgress: async () => {},
    childOutcomes: async () => ({ values: [], failures: [] }),
    services: system.services,
  };
}

interface Planned {
  sessionId: string;
  userId: string;
  questions: number[];
  answered?: number;
}

/** Stores the generated sessions (as session-generation leaves them) and returns their results payloads. */
async function sessions(universe: string, planned: Planned[]): Promise<FeedbackResultsPayload[]> {
  const u = (id: string) => `${universe}-${id}`;
  await system.query(
    `INSERT INTO sessions (id, user_id, size, questions) SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::jsonb[])`,
    [
      planned.map((p) => u(p.sessionId)),
      planned.map((p) => u(p.userId)),
      planned.map((p) => p.questions.length),
      planned.map((p) =>
        JSON.stringify(p.questions.map((q, k) => ({ questionId: u(`q-${q}`), position: k + 1, targetDifficulty: 0, predictedSuccess: 0.6 + k / 100, reason: 'test' }))),
      ),
    ],
  );
  // Answers depend on the session's number only, so both universes hand in the same ones.
  return planned.map((p) => {
    const s = Number(p.sessionId.slice(1));
    return {
      sessionId: u(p.sessionId),
      userId: u(p.userId),
      answers: p.questions.slice(0, p.answered ?? p.questions.length).map((q, k) => ({
        questionId: u(`q-${q}`),
        correct: (q + k + s) % 3 !== 0,
        responseMs: 2_000 + 700 * k,
        answeredAt: new Date(Date.parse('2026-03-02T11:00:00.000Z') + s * 600_000 + k * 30_000).toISOString(),
      })),
    };
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** What the sessions left, with the universe's prefix taken out and floats to 9 digits (a batch sums a question's rating changes before adding them). */
async function storedState(universe: string): Promise<unknown> {
  const like = `${universe}-%`;
  const tables = {
    learners: await system.query('SELECT user_id, state, skill, level, comeback_mode, updated_at, deleted_at FROM learners WHERE user_id LIKE $1 ORDER BY user_id', [like]),
    questions: await system.query('SELECT id, rating, answer_count, rating_info FROM questions WHERE id LIKE $1 ORDER BY id', [like]),
    reviews: await system.query(
      'SELECT user_id, question_id, algorithm, state, due_at, last_reviewed_at, updated_at FROM review_states WHERE user_id LIKE $1 ORDER BY user_id, question_id',
      [like],
    ),
    attempts: await system.query(
      'SELECT session_id, user_id, question_id, correct, response_ms, answered_at, predicted FROM attempts WHERE user_id LIKE $1 ORDER BY session_id, answered_at, id',
      [like],
    ),
    sessions: await system.query('SELECT id, status, success_rate, flow_achieved, completed_at, questions FROM sessions WHERE id LIKE $1 ORDER BY id', [like]),
    events: await system.query(`SELECT event_id IS NOT NULL AS has_id, session_id, payload, occurred_at FROM analytics_events WHERE kind = 'session-completed' AND session_id LIKE $1 ORDER BY session_id`, [like]),
    applications: (
      await system.query(`SELECT session_id, result, traces FROM feedback_applications WHERE session_id LIKE $1 ORDER BY session_id, result->>'applied'`, [like])
    ).map((a) => ({ ...a, traces: (a.traces as Array<Record<string, unknown>>).map(({ decisionId: _id, ...t }) => t) })),
  };
  const normal = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replaceAll(`${universe}-`, 'U-');
    if (typeof v === 'number') return Number(v.toPrecision(9));
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(normal);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
    return v;
  };
  return normal(tables);
}

/**
 * Holds `userId`'s learner row while `start` runs a batch, so the batch reads and computes and then
 * waits for the row at its lock; `change` is made in the holding transaction once it waits. Resolves
 * with what `start` resolves to, after the change has committed.
 */
async function whileBatchWaitsFor<T>(userId: string, change: RawBuilder<unknown>, start: () => Promise<T>): Promise<T> {
  let started: Promise<T> | undefined;
  await system.services.db.transaction().execute(async (trx) => {
    await sql`SELECT 1 FROM learners WHERE user_id = ${userId} FOR UPDATE`.execute(trx);
    started = start();
    started.catch(() => {}); // settled by the caller
    await vi.waitFor(
      async () => {
        const [w] = await system.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        expect(w.n).toBe(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    await change.execute(trx);
  });
  return started as Promise<T>;
}

describe('results jobs share one batch', () => {
  it('concurrent sessions land in one batch and leave exactly what applying them one by one leaves', async () => {
    // A learner with a model already (l2), first sessions (l1, l3, l4), sessions of different
    // learners sharing questions (their item ratings chain), a learner with two sessions in the
    // batch (l1: the second after the first), and a session handed in part-way (l4).
    const prior: Planned[] = [{ sessionId: 's0', userId: 'l2', questions: range(10, 20) }];
    const planned: Planned[] = [
      { sessionId: 's1', userId: 'l1', questions: range(0, 10) },
      { sessionId: 's2', userId: 'l2', questions: range(5, 15) },
      { sessionId: 's3', userId: 'l3', questions: [...range(0, 5), ...range(15, 20)] },
      { sessionId: 's4', userId: 'l1', questions: range(10, 20) },
      { sessionId: 's5', userId: 'l4', questions: range(0, 10), answered: 4 },
    ];

    const oneByOne = new FeedbackBatcher(system.services);
    for (const payload of await sessions('seq', [...prior, ...planned])) await oneByOne.apply(pendingResults(payload, context()));
    expect(oneByOne.flushes).toBe(6);

    const batcher = new FeedbackBatcher(system.services);
    for (const payload of await sessions('bat', prior)) await batcher.apply(pendingResults(payload, context()));
    const payloads = await sessions('bat', planned);
    const results = await Promise.all(payloads.map((payload) => batcher.apply(pendingResults(payload, context()))));
    // One flush after the prior session; four sessions in its transaction, l1's second after it.
    expect(batcher.flushes).toBe(2);
    expect(batcher.batchedSessions).toBe(1 + 4);
    expect(results.map((r) => r.applied)).toEqual([10, 10, 10, 10, 4]);

    const [batched, sequential] = [await storedState('bat'), await storedState('seq')];
    expect(batched).toEqual(sequential);
    // The comparison covers what it should: every answer stored, and ratings moved.
    expect((sequential as { attempts: unknown[] }).attempts).toHaveLength(54);
    const [moved] = await system.query(`SELECT count(*)::int AS n FROM questions WHERE id LIKE 'bat-%' AND answer_count > 0`);
    expect(moved.n).toBe(20);

    // The same jobs again (retried, or sent twice) change nothing and answer the stored results.
    const again = await Promise.all(payloads.map((payload) => batcher.apply(pendingResults(payload, context()))));
    expect(again).toEqual(results);
    expect(await storedState('bat')).toEqual(batched);
  });

  it('a learner changed between the batch\'s read and its lock: computed again under the lock, as one by one', async () => {
    await seedQuestionBank(system.services.db, 'seq2-q', 20);
    await seedQuestionBank(system.services.db, 'bat2-q', 20);
    const prior: Planned[] = [{ sessionId: 'r0', userId: 'n1', questions: range(0, 10) }];
    const planned: Planned[] = [
      { sessionId: 'r1', userId: 'n1', questions: range(5, 15) },
      { sessionId: 'r2', userId: 'n2', questions: range(10, 20) },
    ];
    // Another writer's change to n1's model (as a job of n1 in another process would make).
    const change = sql`UPDATE learners SET state = jsonb_set(state, '{skill}', '0.75'), skill = 0.75`;

    const oneByOne = new FeedbackBatcher(system.services);
    const [r0, ...rest] = await sessions('seq2', [...prior, ...planned]);
    await oneByOne.apply(pendingResults(r0!, context()));
    await sql`${change} WHERE user_id = 'seq2-n1'`.execute(system.services.db);
    for (const payload of rest) await oneByOne.apply(pendingResults(payload, context()));

    const batcher = new FeedbackBatcher(system.services);
    const [b0, ...payloads] = await sessions('bat2', [...prior, ...planned]);
    await batcher.apply(pendingResults(b0!, context()));
    await whileBatchWaitsFor('bat2-n1', sql`${change} WHERE user_id = 'bat2-n1'`, () =>
      Promise.all(payloads.map((payload) => batcher.apply(pendingResults(payload, context())))),
    );
    expect(batcher.flushes).toBe(2);
    expect(batcher.recomputed).toBe(1);
    expect(await storedState('bat2')).toEqual(await storedState('seq2'));
  });

  it('a session that fails in a batch fails alone; the others are applied', async () => {
    const batcher = new FeedbackBatcher(system.services);
    const planned: Planned[] = [
      { sessionId: 'f1', userId: 'm1', questions: range(0, 10) },
      { sessionId: 'f2', userId: 'm2', questions: range(5, 15) },
      { sessionId: 'f3', userId: 'm3', questions: range(10, 20) },
      { sessionId: 'f4', userId: 'm4', questions: range(0, 10) },
    ];
    const payloads = await sessions('bat', planned);
    // m2 was erased after its hand-in; f3 carries a response time Postgres cannot store (poison data).
    await system.query(`INSERT INTO learners (user_id, state, deleted_at) VALUES ('bat-m2', '{}', now())`);
    payloads[2]!.answers[3]!.responseMs = 3_000_000_000;
    const outcomes = await Promise.allSettled(payloads.map((payload) => batcher.apply(pendingResults(payload, context()))));
    expect(batcher.flushes).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('has been erased');
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toContain('out of range');
    expect(outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.applied] : []))).toEqual([10, 10]);

    const attempts = await system.query(`SELECT session_id, count(*)::int AS n FROM attempts WHERE session_id IN ('bat-f1', 'bat-f2', 'bat-f3', 'bat-f4') GROUP BY session_id ORDER BY session_id`);
    expect(attempts).toEqual([
      { session_id: 'bat-f1', n: 10 },
      { session_id: 'bat-f4', n: 10 },
    ]);
    const applications = await system.query(`SELECT session_id FROM feedback_applications WHERE session_id LIKE 'bat-f%' ORDER BY session_id`);
    expect(applications.map((a) => a.session_id)).toEqual(['bat-f1', 'bat-f4']);
    const [learners] = await system.query(`SELECT count(*)::int AS n FROM learners WHERE user_id IN ('bat-m1', 'bat-m4') AND (state->>'answers')::int = 10`);
    expect(learners.n).toBe(2);
  });

  it('a learner erased while its batch waits for the lock fails alone; nothing is recorded for it', async () => {
    const batcher = new FeedbackBatcher(system.services);
    const [p0, ...payloads] = await sessions('bat', [
      { sessionId: 'e0', userId: 'k1', questions: range(0, 10), answered: 2 },
      { sessionId: 'e1', userId: 'k1', questions: range(0, 10) },
      { sessionId: 'e2', userId: 'k2', questions: range(0, 10) },
    ]);
    await batcher.apply(pendingResults(p0!, context()));
    const outcomes = await whileBatchWaitsFor('bat-k1', sql`UPDATE learners SET deleted_at = now() WHERE user_id = 'bat-k1'`, () =>
      Promise.allSettled(payloads.map((payload) => batcher.apply(pendingResults(payload, context())))),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toContain('has been erased');
    expect(batcher.recomputed).toBe(1);
    const attempts = await system.query(`SELECT session_id, count(*)::int AS n FROM attempts WHERE session_id IN ('bat-e0', 'bat-e1', 'bat-e2') GROUP BY session_id ORDER BY session_id`);
    expect(attempts).toEqual([
      { session_id: 'bat-e0', n: 2 },
      { session_id: 'bat-e2', n: 10 },
    ]);
    const [k1] = await system.query(`SELECT (state->>'answers')::int AS answers, deleted_at IS NOT NULL AS erased FROM learners WHERE user_id = 'bat-k1'`);
    expect(k1).toEqual({ answers: 2, erased: true });
  });
});
