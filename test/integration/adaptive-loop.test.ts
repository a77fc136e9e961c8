import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { questionContentHash } from '../../core/contracts/question-contracts.js';
import { saveValidatedQuestions } from '../../db/queries/questions.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

let system: TestSystem;
const userId = 'learner-1';



const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

beforeAll(async () => {
  system = await startTestSystem('adaptive', { roles: { workers: ['session-generation', 'feedback-loop', 'decision-insights'] } });
  // A bank of 60 validated questions across difficulties 1..5 and two categories, scored by the real
  // Bloom scorer and stored by the same query the validation processor uses.
  const model = loadDefaultModel();
  const bank = Array.from({ length: 60 }, (_, i) => ({
    id: `bank-${i}`,
    text: `Explain how mechanism number ${i} of the operating system schedules processes.`,
    type: 'multiple_choice' as const,
    options: ['a', 'b', 'c', 'd'],
    difficulty: (i % 5) + 1,
    categoryId: i % 2 === 0 ? 'os' : 'algorithms',
    learningObjective: 'Explain scheduling',
  }));
  await saveValidatedQuestions(
    system.services.db,
    bank.map((q) => ({ id: q.id, contentHash: questionContentHash(q), input: q, score: scoreQuestion(q, model) })),
  );
});
afterAll(async () => {
  await system?.close();
});

describe('generate → answer → generate again, over HTTP with real Redis and Postgres', () => {
  let first: any;
  let resultsJobId: string;

  it('generates a session of distinct questions, each with a reason and a predicted success', async () => {
    const res = await system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId, size: 10 } });
    expect(res.status).toBe(200);
    first = ((await res.json()) as any).result;
    expect(first.sessionId).toMatch(/^s_/);
    expect(first.questions).toHaveLength(10);
    expect(new Set(first.questions.map((q: any) => q.questionId)).size).toBe(10);
    for (const q of first.questions) {
      expect(q.predictedSuccess).toBeGreaterThan(0);
      expect(q.predictedSuccess).toBeLessThan(1);
      expect(q.reason).toEqual(expect.any(String));
    }
    expect((await system.query('SELECT user_id FROM sessions WHERE id = $1', [first.sessionId]))[0].user_id).toBe(userId);
  });

  it('applies the answers: the learner model moves', async () => {
    const answers = first.questions.map((q: any) => ({ questionId: q.questionId, correct: true, responseMs: 4000 }));
    const res = await system.request(`/api/sessions/${first.sessionId}/results`, { method: 'POST', json: { userId, answers } });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as any;
    resultsJobId = accepted.jobId;
    const status = await system.jobStatus(accepted.statusUrl);
    expect(status.state).toBe('completed');
    expect(status.result.applied).toBe(10);
    expect(status.result.firedRules).toContain('streak-up');

    const profile = (await (await system.request(`/api/users/${userId}/profile`)).json()) as any;
    expect(profile.userId).toBe(userId);
    expect(profile.skill).toBeGreaterThan(0);
    expect(profile.streaks.correct).toBe(10);
    expect(Object.keys(profile.mastery).length).toBeGreaterThan(0);
    const session = (await system.query('SELECT status, success_rate, flow_achieved FROM sessions WHERE id = $1', [first.sessionId]))[0];
    expect(session).toMatchObject({ status: 'completed', success_rate: 1, flow_achieved: false });
  });

  it('the next session adapts: harder targets after a perfect session', async () => {
    const res = await system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId, size: 10 } });
    const second = ((await res.json()) as any).result;
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(mean(second.questions.map((q: any) => q.targetDifficulty))).toBeGreaterThan(
      mean(first.questions.map((q: any) => q.targetDifficulty)),
    );
  });

  it('handing in the same results twice changes nothing the second time', async () => {
    const before = await system.query('SELECT state, skill FROM learners WHERE user_id = $1', [userId]);
    const ratingsBefore = await system.query('SELECT id, rating, answer_count FROM questions ORDER BY id');
    const answers = first.questions.map((q: any) => ({ questionId: q.questionId, correct: true, responseMs: 4000 }));
    // Identical body → the same job.
    const same = (await (await system.request(`/api/sessions/${first.sessionId}/results`, { method: 'POST', json: { userId, answers } })).json()) as any;
    expect(same.jobId).toBe(resultsJobId);
    // Different body for the same (session, question) pairs → a new job that applies nothing.
    const flipped = answers.map((a: any) => ({ ...a, correct: false })).reverse();
    const other = (await (await system.request(`/api/sessions/${first.sessionId}/results`, { method: 'POST', json: { userId, answers: flipped } })).json()) as any;
    expect(other.jobId).not.toBe(resultsJobId);
    const status = await system.jobStatus(other.statusUrl);
    expect(status.result.applied).toBe(0);
    expect(await system.query('SELECT state, skill FROM learners WHERE user_id = $1', [userId])).toEqual(before);
    expect(await system.query('SELECT id, rating, answer_count FROM questions ORDER BY id')).toEqual(ratingsBefore);
    expect((await system.query('SELECT count(*)::int AS n FROM attempts WHERE session_id = $1', [first.sessionId]))[0].n).toBe(10);
  });

  it('records a decision trace for the session and for the rules that fired', async () => {
    // Traces are written asynchronously; earlier sessions' traces may already be there.
    await vi.waitFor(
      async () => {
        const kinds = (await system.query('SELECT kind FROM decision_insights WHERE user_id = $1', [userId])).map((r) => r.kind);
        expect(kinds).toContain('session-generation');
        expect(kinds).toContain('feedback-rule:streak-up');
      },
      { timeout: 30_000, interval: 100 },
    );
  });

  it('refuses results for an unknown session or for questions not in the session', async () => {
    const unknown = await system.request('/api/sessions/nope/results', { method: 'POST', json: { userId, answers: [{ questionId: 'bank-1', correct: true }] } });
    expect(unknown.status).toBe(404);
    const foreign = await system.request(`/api/sessions/${first.sessionId}/results`, {
      method: 'POST',
      json: { userId, answers: [{ questionId: 'not-in-session', correct: true }] },
    });
    expect(foreign.status).toBe(400);
  });
});

describe('learning plans and profiles', () => {
  it('builds a plan anchored to the learner level with max(3, gap·2) milestones', async () => {
    const profile = (await (await system.request(`/api/users/${userId}/profile`)).json()) as any;
    const res = await system.request('/api/learning-plans?wait=20000', { method: 'POST', json: { userId, targetLevel: 5, days: 30 } });
    expect(res.status).toBe(200);
    const plan = ((await res.json()) as any).result;
    expect(plan.currentLevel).toBe(profile.level);
    const gap = 5 - profile.level;
    expect(plan.milestones).toHaveLength(Math.max(3, gap * 2));
    expect(plan.milestones.at(-1).level).toBeCloseTo(5, 5);
    expect(plan.milestones[0].xp).toBe(100);
  });

  it('404 for the profile of an unknown learner; 400 for a bad session request', async () => {
    expect((await system.request('/api/users/nobody/profile')).status).toBe(404);
    const bad = await system.request('/api/sessions/generate', { method: 'POST', json: { userId: 'x', size: 500 } });
    expect(bad.status).toBe(400);
  });
});
