import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedJob } from '../support/finished-job.js';
import { seedQuestionBank } from '../support/question-bank.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

// The feedback loop computes a learner's update before taking the learner's lock and re-checks it
// under the lock; item ratings change by one statement per session. Several results jobs of ONE
// learner running at once must still all apply, each exactly once, and the per-question counters
// must add up across learners.
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('feedback-concurrency', { roles: { workers: ['session-generation', 'feedback-loop', 'decision-insights'] } });
  await seedQuestionBank(system.services.db, 'fc', 40);
});
afterAll(async () => {
  await system?.close();
});

async function generate(userId: string): Promise<{ sessionId: string; questions: { questionId: string }[] }> {
  const res = await system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: { userId, size: 10 } });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).result;
}

async function submit(userId: string, sessionId: string, answers: { questionId: string; correct: boolean; responseMs: number }[]) {
  const res = await system.request(`/api/sessions/${sessionId}/results`, { method: 'POST', json: { userId, answers } });
  expect(res.status).toBe(202);
  return (await res.json()) as any;
}

describe('feedback under concurrency', () => {
  it('four sessions of one learner handed in at once are all applied, each answer once', async () => {
    const userId = 'fc-learner-a';
    const sessions = [];
    for (let i = 0; i < 4; i++) sessions.push(await generate(userId));
    const accepted = await Promise.all(
      sessions.map((s, k) => submit(userId, s.sessionId, s.questions.map((q, j) => ({ questionId: q.questionId, correct: (j + k) % 3 !== 0, responseMs: 5000 })))),
    );
    const statuses = await Promise.all(accepted.map((a) => system.jobStatus(a.statusUrl)));
    expect(statuses.map((s) => s.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(statuses.map((s) => s.result.applied)).toEqual([10, 10, 10, 10]);
    const [learner] = await system.query(`SELECT (state->>'answers')::int AS answers FROM learners WHERE user_id = $1`, [userId]);
    expect(learner.answers).toBe(40);
    const [attempts] = await system.query('SELECT count(*)::int AS n FROM attempts WHERE user_id = $1', [userId]);
    expect(attempts.n).toBe(40);
  });

  it('every question’s answer count equals its stored attempts, across learners answering at once', async () => {
    const learners = ['fc-b1', 'fc-b2', 'fc-b3'];
    const sessions = await Promise.all(learners.map(async (userId) => ({ userId, session: await generate(userId) })));
    const accepted = await Promise.all(
      sessions.map(({ userId, session }) => submit(userId, session.sessionId, session.questions.map((q) => ({ questionId: q.questionId, correct: true, responseMs: 3000 })))),
    );
    await Promise.all(accepted.map((a) => system.jobStatus(a.statusUrl)));
    const mismatched = await system.query(`
      SELECT q.id, q.answer_count, count(a.*)::int AS attempts
        FROM questions q LEFT JOIN attempts a ON a.question_id = q.id
       WHERE q.id LIKE 'fc-%' GROUP BY q.id HAVING q.answer_count <> count(a.*)`);
    expect(mismatched).toEqual([]);
  });

  it('a session handed in in two parts completes with the second, with the outcome over all its answers', async () => {
    const userId = 'fc-learner-c';
    const s = await generate(userId);
    const answers = s.questions.map((q, j) => ({ questionId: q.questionId, correct: j < 8, responseMs: 4000 }));
    const first = await system.jobStatus((await submit(userId, s.sessionId, answers.slice(0, 4))).statusUrl);
    expect(first.result).toMatchObject({ applied: 4, successRate: 1 });
    const [half] = await system.query('SELECT status, success_rate FROM sessions WHERE id = $1', [s.sessionId]);
    expect(half).toMatchObject({ status: 'generated', success_rate: 1 });
    const second = await system.jobStatus((await submit(userId, s.sessionId, answers.slice(4))).statusUrl);
    expect(second.result).toMatchObject({ applied: 6, successRate: 0.8, flowAchieved: true });
    const [done] = await system.query('SELECT status, success_rate, flow_achieved, completed_at FROM sessions WHERE id = $1', [s.sessionId]);
    expect(done).toMatchObject({ status: 'completed', success_rate: 0.8, flow_achieved: true });
    expect(done.completed_at).toBeInstanceOf(Date);
  });
  it('a job reaching a learner erased after the hand-in fails for good, records nothing and leaves the learner erased', async () => {
    // The ingress refuses an erased learner; a job queued before the erasure reaches the worker.
    const userId = 'fc-learner-d';
    const s = await generate(userId);
    const answers = s.questions.map((q) => ({ questionId: q.questionId, correct: true, responseMs: 2000 }));
    await system.jobStatus((await submit(userId, s.sessionId, answers.slice(0, 2))).statusUrl);
    await system.query('UPDATE learners SET deleted_at = now() WHERE user_id = $1', [userId]);
    const id = await system.services.producer.send('feedback-loop', 'results', { sessionId: s.sessionId, userId, answers: answers.slice(2) });
    const outcome = await finishedJob(system.services.producer.queue('feedback-loop'), id);
    expect(outcome.state).toBe('failed');
    expect(outcome.failedReason).toContain('has been erased');
    const [attempts] = await system.query('SELECT count(*)::int AS n FROM attempts WHERE session_id = $1', [s.sessionId]);
    expect(attempts.n).toBe(2);
    const [learner] = await system.query(`SELECT deleted_at IS NOT NULL AS erased, (state->>'answers')::int AS answers FROM learners WHERE user_id = $1`, [userId]);
    expect(learner).toEqual({ erased: true, answers: 2 });
  });
});
