import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedQuestionBank } from '../support/question-bank.js';
import { type TestSystem, operatorKey, startTestSystem } from '../support/test-system.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('per-answer', { roles: { workers: ['session-generation', 'feedback-loop', 'decision-insights', 'retention-cleanup'] } });
  // 120 open questions over the five levels: open types (no guessing) keep predictions spread out.
  await seedQuestionBank(system.services.db, 'pa', 120, () => ({ type: 'short_answer', categoryId: 'os', learningObjective: 'Explain scheduling' }));
});
afterAll(async () => {
  await system?.close();
});

async function generate(userId: string): Promise<any> {
  const res = await system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId, size: 10 } });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).result;
}

async function answer(sessionId: string, userId: string, answers: Array<{ questionId: string; correct: boolean }>): Promise<{ status: number; body: any }> {
  const res = await system.request(`/api/sessions/${sessionId}/answers?wait=20000`, { method: 'POST', json: { userId, answers } });
  return { status: res.status, body: await res.json() };
}

const meanTarget = (qs: Array<{ targetDifficulty: number }>) => qs.reduce((s, q) => s + q.targetDifficulty, 0) / qs.length;

describe('answers handed in one at a time (POST /api/sessions/:sessionId/answers)', () => {
  it('two wrong answers make the positions not answered yet easier', async () => {
    const session = await generate('pa-learner-1');
    const planned = session.questions as Array<{ questionId: string; position: number; targetDifficulty: number }>;
    const first = await answer(session.sessionId, 'pa-learner-1', [{ questionId: planned[0]!.questionId, correct: false }]);
    expect(first.status).toBe(200);
    expect(first.body.answered).toBe(1);
    expect(first.body.remaining.map((q: any) => q.position)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const next = first.body.remaining[0].questionId;
    const second = await answer(session.sessionId, 'pa-learner-1', [{ questionId: next, correct: false }]);
    expect(second.status).toBe(200);
    expect(second.body.answered).toBe(2);
    expect(second.body.firedRules).toContain('streak-down');
    const remaining = second.body.remaining as Array<{ questionId: string; position: number; targetDifficulty: number }>;
    expect(remaining.map((q) => q.position)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(remaining.some((q) => q.questionId === planned[0]!.questionId || q.questionId === next)).toBe(false);
    // The same positions, planned before and after the two wrong answers.
    const before = planned.filter((q) => q.position >= 3);
    expect(meanTarget(remaining)).toBeLessThan(meanTarget(before) - 0.5);
    // The stored session is the new plan: answered questions first, then the re-planned rest.
    const stored = (await system.query('SELECT questions FROM sessions WHERE id = $1', [session.sessionId]))[0].questions;
    expect(stored.map((q: any) => q.questionId)).toEqual([planned[0]!.questionId, next, ...remaining.map((q) => q.questionId)]);
    // Each answer is stored with the prediction of its pick (for the calibration metrics).
    const attempts = await system.query('SELECT predicted FROM attempts WHERE session_id = $1', [session.sessionId]);
    expect(attempts).toHaveLength(2);
    for (const a of attempts) expect(a.predicted).toBeGreaterThan(0);
  });

  it('the same answer twice changes nothing', async () => {
    const userId = 'pa-learner-2';
    const session = await generate(userId);
    const q1 = session.questions[0].questionId;
    const once = await answer(session.sessionId, userId, [{ questionId: q1, correct: true }]);
    expect(once.status).toBe(200);
    const learnerAfterOnce = (await system.query('SELECT state FROM learners WHERE user_id = $1', [userId]))[0].state;
    const ratingAfterOnce = (await system.query('SELECT rating, rating_info, answer_count FROM questions WHERE id = $1', [q1]))[0];
    const twice = await answer(session.sessionId, userId, [{ questionId: q1, correct: true }]);
    expect(twice.status).toBe(200);
    expect(twice.body.answered).toBe(1);
    expect(twice.body.remaining).toEqual(once.body.remaining);
    expect((await system.query('SELECT state FROM learners WHERE user_id = $1', [userId]))[0].state).toEqual(learnerAfterOnce);
    expect((await system.query('SELECT rating, rating_info, answer_count FROM questions WHERE id = $1', [q1]))[0]).toEqual(ratingAfterOnce);
    expect(await system.query('SELECT count(*)::int AS n FROM attempts WHERE session_id = $1', [session.sessionId])).toEqual([{ n: 1 }]);
  });

  it('a whole session handed in at the end still works, and answers for other questions are refused', async () => {
    const userId = 'pa-learner-3';
    const session = await generate(userId);
    const answers = session.questions.map((q: any, i: number) => ({ questionId: q.questionId, correct: i % 4 !== 0 }));
    const res = await system.request(`/api/sessions/${session.sessionId}/results?wait=20000`, { method: 'POST', json: { userId, answers } });
    expect(res.status).toBe(200);
    const result = ((await res.json()) as any).result;
    expect(result.applied).toBe(10);
    expect(result.remaining).toBeUndefined();
    const stored = (await system.query('SELECT status, success_rate FROM sessions WHERE id = $1', [session.sessionId]))[0];
    expect(stored).toMatchObject({ status: 'completed', success_rate: 0.7 });

    const other = await generate('pa-learner-4');
    const refused = await answer(other.sessionId, 'pa-learner-4', [{ questionId: 'not-in-session', correct: true }]);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    const unknown = await answer('no-such-session', 'pa-learner-4', [{ questionId: 'pa-1', correct: true }]);
    expect(unknown.status).toBe(404);
  });

  it('reports predicted vs observed success at GET /api/analytics/calibration (operator)', async () => {
    expect((await system.request('/api/analytics/calibration')).status).toBe(403);
    const res = await system.request('/api/analytics/calibration', { key: operatorKey });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.bins).toBe(10);
    // Answers of the tests above: 2 + 1 + 10, each with its pick's prediction.
    expect(body.overall.n).toBe(13);
    expect(body.overall.ece).toBeGreaterThanOrEqual(0);
    expect(body.overall.brier).toBeGreaterThan(0);
    expect(body.days).toHaveLength(1);
    const bad = await system.request('/api/analytics/calibration?from=2025-02-30', { key: operatorKey });
    expect(bad.status).toBe(400);

    // The daily roll-up carries the same figures for its day.
    const day = body.days[0].day as string;
    const jobId = await system.services.producer.send('retention-cleanup', 'rollup', { day });
    const status = (await system.jobStatus(`/api/jobs/retention-cleanup/${encodeURIComponent(jobId)}`, 60_000, operatorKey)) as any;
    expect(status.state).toBe('completed');
    expect(status.result.calibration).toMatchObject({ n: 13, ece: body.overall.ece, brier: body.overall.brier });
    const [row] = await system.query('SELECT calibration FROM analytics_daily WHERE day = $1::date', [day]);
    expect(row.calibration.n).toBe(13);
  });
});
