import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalyticsEvent, analyticsEventId } from '../../core/contracts/analytics-events.js';
import { recordAnalyticsEvents } from '../../db/queries/analytics.js';
import { createLogger } from '../../observability/logger.js';
import { rollupProcessor } from '../../workers/processors/retention-cleanup/rollup.js';
import type { ProcessorContext } from '../../workers/runtime/processor.js';
import { type TestSystem, operatorKey, startTestSystem } from '../support/test-system.js';

// "Now" is just after midnight of 2025-06-11, so the scheduled roll-up covers 2025-06-10.
const now = new Date('2025-06-11T00:30:00Z');
const DAY = '2025-06-10';
let system: TestSystem;

beforeAll(async () => {
  // retention-cleanup's other jobs belong to another actor: the roll-up processor is called
  // directly below, with the context the worker runtime would give it.
  system = await startTestSystem('analytics', {
    roles: { workers: ['question-validation'], ingress: true, schedulers: false },
    now: () => now,
  });
});
afterAll(async () => {
  await system?.close();
});

function rollupContext(): ProcessorContext {
  return {
    log: createLogger('silent'),
    db: system.services.db,
    producer: system.services.producer,
    signal: new AbortController().signal,
    job: { id: 'rollup-test', queue: 'retention-cleanup', name: 'rollup', attempt: 1, enqueuedAt: now },
    reportProgress: async () => {},
    childOutcomes: async () => ({ values: [], failures: [] }),
    services: system.services,
  };
}

const at = (time: string, day = DAY) => `${day}T${time}Z`;

async function seed(): Promise<void> {
  const db = system.services.db;
  await db
    .insertInto('questions')
    .values(['q-a', 'q-b', 'q-c'].map((id) => ({ id, content_hash: `h-${id}`, text: `text ${id}`, type: 'essay' })))
    .execute();
  const validation = (question: string, level: string, createdAt: string) => ({
    question_id: question,
    content_hash: `h-${question}`,
    model_version: 'm1',
    level,
    knowledge_dimension: 'Conceptual',
    complexity: 0.5,
    confidence: 0.7,
    quality_score: 0.8,
    passed: true,
    suggestions: '[]',
    evidence: '{}',
    created_at: new Date(createdAt),
  });
  await db
    .insertInto('question_validations')
    .values([validation('q-a', 'Apply', at('09:00:00')), validation('q-b', 'Remember', at('23:59:59')), validation('q-c', 'Apply', at('12:00:00', '2025-06-09'))])
    .execute();

  const session = (id: string, user: string, createdAt: string, completedAt: string | null, flow: boolean | null) => ({
    id,
    user_id: user,
    size: 10,
    status: completedAt ? 'completed' : 'generated',
    questions: '[]',
    success_rate: flow === null ? null : 0.5,
    flow_achieved: flow,
    created_at: new Date(createdAt),
    completed_at: completedAt,
  });
  await db
    .insertInto('sessions')
    .values([
      session('s1', 'u1', at('08:00:00'), at('09:00:00'), true),
      session('s2', 'u2', at('10:00:00'), at('01:00:00', '2025-06-11'), true), // completed the next day
      session('s3', 'u3', at('20:00:00', '2025-06-09'), at('07:00:00'), false), // generated the day before
      session('s4', 'u4', at('11:00:00'), null, null), // never completed
    ])
    .execute();
  const attempts = (sessionId: string, user: string, answers: number, correct: number) =>
    Array.from({ length: answers }, (_, i) => ({
      session_id: sessionId,
      user_id: user,
      question_id: `aq-${i}`,
      correct: i < correct,
      answered_at: at(`0${Math.min(9, 6 + (i % 3))}:30:00`),
    }));
  await db.insertInto('attempts').values([...attempts('s1', 'u1', 5, 4), ...attempts('s3', 'u3', 4, 1)]).execute();

  const events: AnalyticsEvent[] = [
    // s5 exists only as events (e.g. its session row is gone): counted from them.
    { eventId: analyticsEventId('session-generated', 's5'), kind: 'session-generated', userId: 'u5', sessionId: 's5', occurredAt: at('12:00:00'), payload: { size: 10 } },
    { eventId: analyticsEventId('session-completed', 's5'), kind: 'session-completed', userId: 'u5', sessionId: 's5', occurredAt: at('13:00:00'), payload: { successRate: 0.7, flowAchieved: true, answers: 10, correct: 7 } },
    // s1 is in the tables: its event must not count twice, and the table's flow value wins.
    { eventId: analyticsEventId('session-completed', 's1'), kind: 'session-completed', userId: 'u1', sessionId: 's1', occurredAt: at('09:00:00'), payload: { successRate: 0.8, flowAchieved: false, answers: 5, correct: 4 } },
    // A validation in the table (not twice) and one whose row is gone (counted from the event).
    { eventId: analyticsEventId('question-validated', 'q-a:h-q-a:m1'), kind: 'question-validated', occurredAt: at('09:00:00'), payload: { questionId: 'q-a', contentHash: 'h-q-a', modelVersion: 'm1', level: 'Apply', passed: true } },
    { eventId: analyticsEventId('question-validated', 'q-gone:h:m1'), kind: 'question-validated', occurredAt: at('15:00:00'), payload: { questionId: 'q-gone', contentHash: 'h', modelVersion: 'm1', level: 'Create', passed: false } },
    // Another day: ignored.
    { eventId: analyticsEventId('session-generated', 's9'), kind: 'session-generated', userId: 'u9', sessionId: 's9', occurredAt: at('12:00:00', '2025-06-12'), payload: { size: 10 } },
  ];
  expect(await recordAnalyticsEvents(db, events)).toBe(events.length);
  // Re-emitting (a retried job) stores nothing.
  expect(await recordAnalyticsEvents(db, events)).toBe(0);
}

const expected = {
  day: DAY,
  activeLearners: 5, // u1, u2, u4, u5 got sessions; u3 completed one and answered
  sessions: 4, // s1, s2, s4 from the table, s5 from events
  completedSessions: 2, // s1 and s5 finished that day; s2 only the next
  completionRate: 0.5,
  meanAccuracy: 12 / 19, // s1 4/5 and s3 1/4 from attempts, s5 7/10 from its event
  flowRate: 2 / 3, // completed that day: s1 (flow), s3 (no flow), s5 (flow)
  validationsByLevel: { Apply: 1, Remember: 1, Create: 1 },
};

describe('analytics roll-up', () => {
  beforeAll(seed);

  it('rolls up a day from the tables, using events only for what the tables lack', async () => {
    const row = await rollupProcessor.process({ day: DAY }, rollupContext());
    expect(row).toEqual({ ...expected, meanAccuracy: expect.closeTo(12 / 19, 10), flowRate: expect.closeTo(2 / 3, 10) });
  });

  it('is idempotent: re-running the day, or the scheduled run for yesterday, gives the same single row', async () => {
    const again = await rollupProcessor.process({}, rollupContext()); // default: yesterday = DAY
    expect(again).toEqual({ ...expected, meanAccuracy: expect.closeTo(12 / 19, 10), flowRate: expect.closeTo(2 / 3, 10) });
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM analytics_daily`.execute(system.services.db);
    expect(rows[0]!.n).toBe(1);
  });

  it('rolls up an empty day as zeros and nulls', async () => {
    const row = await rollupProcessor.process({ day: '2025-06-01' }, rollupContext());
    expect(row).toEqual({ day: '2025-06-01', activeLearners: 0, sessions: 0, completedSessions: 0, completionRate: 0, meanAccuracy: null, flowRate: null, validationsByLevel: {} });
  });

  it('serves the roll-ups to operators over GET /api/analytics/daily', async () => {
    const res = await system.request(`/api/analytics/daily?from=2025-06-01&to=${DAY}`, { key: operatorKey });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.from).toBe('2025-06-01');
    expect(body.items.map((r: any) => r.day)).toEqual(['2025-06-01', DAY]);
    expect(body.items[1]).toMatchObject({ sessions: 4, completedSessions: 2, validationsByLevel: { Apply: 1, Remember: 1, Create: 1 } });
    // Defaults: the 30 days up to yesterday.
    const defaults = (await (await system.request('/api/analytics/daily', { key: operatorKey })).json()) as any;
    expect(defaults).toMatchObject({ from: '2025-05-12', to: DAY });
    expect(defaults.items).toHaveLength(2);
  });
});

describe('validation emits its analytics event', () => {
  it("records one 'question-validated' event per validation, however often the question is sent", async () => {
    const question = { id: 'analytics-q1', text: 'Explain why the sky appears blue during the day.', type: 'short_answer' };
    const first = await system.request('/api/questions/validate?wait=20000', { method: 'POST', json: question });
    expect(first.status).toBe(200);
    const result = ((await first.json()) as any).result;
    await system.request('/api/questions/validate?wait=20000', { method: 'POST', json: question });
    const { rows } = await sql<{ kind: string; payload: any }>`
      SELECT kind, payload FROM analytics_events WHERE payload->>'questionId' = 'analytics-q1'`.execute(system.services.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'question-validated', payload: { questionId: 'analytics-q1', level: result.level, passed: result.passed, modelVersion: result.modelVersion } });
  });
});
