import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learningStyleQuestionTypes } from '../../core/session/learning-styles.js';
import { seedQuestionBank } from '../support/question-bank.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

let system: TestSystem;
const types = ['multiple_choice', 'true_false', 'essay', 'short_answer'] as const;

beforeAll(async () => {
  system = await startTestSystem('patterns', { roles: { workers: ['session-generation', 'decision-insights'] } });
  await seedQuestionBank(system.services.db, 'pq', 40, (i) => ({
    type: types[i % 4]!,
    ...(types[i % 4] === 'multiple_choice' ? { options: ['a', 'b', 'c', 'd'] } : {}),
    categoryId: i < 20 ? 'os' : 'algorithms',
  }));
});
afterAll(async () => {
  await system?.close();
});

const generate = (body: unknown) => system.request('/api/sessions/generate?wait=20000', { method: 'POST', json: body });

describe('a learner known only from a generated session', () => {
  it('has a profile (the starting model) and patterns with no answers yet', async () => {
    expect((await system.request('/api/users/fresh-learner/profile')).status).toBe(404);
    expect((await generate({ userId: 'fresh-learner', size: 4 })).status).toBe(200);
    const profile = await system.request('/api/users/fresh-learner/profile');
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ userId: 'fresh-learner', streaks: { correct: 0, wrong: 0 }, comebackMode: false });
    const patterns = await system.request('/api/users/fresh-learner/patterns');
    expect(patterns.status).toBe(200);
    expect(await patterns.json()).toMatchObject({ sessions: 1, answers: 0, accuracy: null, knowledgeGaps: [], bestType: null, trend: { direction: 'insufficient-data' } });
  });
});

describe('GET /api/users/:userId/patterns', () => {
  beforeAll(async () => {
    // 40 answers, oldest first: the first 20 mostly wrong, the last 20 mostly right. os questions
    // (pq-0..19) are the weak category; hours alternate between 08 and 20 UTC.
    const base = Date.UTC(2026, 10, 1, 8);
    await system.query(`INSERT INTO sessions (id, user_id, size, questions) VALUES ('pat-s0', 'pat-learner', 20, '[]'), ('pat-s1', 'pat-learner', 20, '[]')`);
    for (let i = 0; i < 40; i++) {
      const isOs = i % 2 === 0;
      const question = isOs ? `pq-${i % 20}` : `pq-${20 + (i % 20)}`;
      // os: 5 of 20 right (the last ones); algorithms: 15 of 20.
      const correct = isOs ? i >= 30 : i >= 10;
      const answeredAt = new Date(base + i * 3_600_000 * 12 + i * 1000);
      await system.query(
        `INSERT INTO attempts (session_id, user_id, question_id, correct, response_ms, answered_at) VALUES ($1, 'pat-learner', $2, $3, $4, $5)`,
        [`pat-s${Math.floor(i / 20)}`, question, correct, 1000 + i * 10, answeredAt],
      );
    }
  });

  it('answers accuracy and response time by category, type, Bloom level and hour; gaps with evidence; trend; best type', async () => {
    const res = await system.request('/api/users/pat-learner/patterns');
    expect(res.status).toBe(200);
    const p = (await res.json()) as any;
    const stored = await system.query(
      `SELECT q.category_id AS c, count(*)::int AS n, (count(*) FILTER (WHERE a.correct))::int AS k FROM attempts a JOIN questions q ON q.id = a.question_id WHERE a.user_id = 'pat-learner' GROUP BY 1 ORDER BY 1`,
    );
    expect(p.answers).toBe(40);
    expect(p.byCategory.map((c: any) => [c.categoryId, c.answers, c.correct])).toEqual(stored.map((r) => [r.c, r.n, r.k]));
    const os = stored.find((r) => r.c === 'os')!;
    expect(p.knowledgeGaps[0]).toMatchObject({ categoryId: 'os', evidence: { answers: os.n, correct: os.k } });
    expect(p.knowledgeGaps[0].accuracy).toBeLessThan(0.7);
    expect(p.byType.reduce((n: number, t: any) => n + t.answers, 0)).toBe(40);
    expect(p.byBloomLevel.reduce((n: number, t: any) => n + t.answers, 0)).toBe(40);
    expect(p.byBloomLevel.every((l: any) => ['Remember', 'Understand', 'Apply', 'Analyze', 'Evaluate', 'Create'].includes(l.level))).toBe(true);
    expect(p.byHourOfDay.map((h: any) => h.hour)).toEqual([8, 20]);
    expect(p.byHourOfDay.every((h: any) => h.meanResponseMs > 1000)).toBe(true);
    expect(p.trend.direction).toBe('improving');
    expect(p.trend.recentAccuracy).toBeGreaterThan(p.trend.previousAccuracy);
    const bestAccuracy = Math.max(...p.byType.filter((t: any) => t.answers >= 3).map((t: any) => t.accuracy));
    expect(p.bestType.accuracy).toBe(bestAccuracy);
  });

  it('404 for an unknown learner, 400 for a malformed id', async () => {
    const unknown = await system.request('/api/users/nobody-at-all/patterns');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe('not_found');
    expect((await system.request('/api/users/bad%20id%3A/patterns')).status).toBe(400);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await system.request('/openapi.json', { key: null })).json()) as any;
    expect(doc.paths['/api/users/{userId}/patterns'].get['x-scope']).toBe('producer');
  });
});

describe('learning styles', () => {
  it('visual is refused with 400 and the reason (no media); unknown styles and unknown preferences too', async () => {
    const visual = await generate({ userId: 'style-learner', preferences: { learningStyle: 'visual' } });
    expect(visual.status).toBe(400);
    expect(JSON.stringify(await visual.json())).toContain('no images or diagrams');
    expect((await generate({ userId: 'style-learner', preferences: { learningStyle: 'kinesthetic' } })).status).toBe(400);
    expect((await generate({ userId: 'style-learner', preferences: { colour: 'red' } })).status).toBe(400);
    expect(await system.query(`SELECT id FROM sessions WHERE user_id = 'style-learner'`)).toEqual([]);
  });

  it('logical is honoured: the learning-style share picks multiple-choice and true/false questions', async () => {
    const res = await generate({ userId: 'style-learner', size: 20, preferences: { learningStyle: 'logical' } });
    expect(res.status).toBe(200);
    const { questions } = ((await res.json()) as any).result;
    const styled = questions.filter((q: any) => q.reason === 'learning_style');
    expect(styled.length).toBeGreaterThan(0);
    const typeOf = new Map((await system.query(`SELECT id, type FROM questions`)).map((r) => [r.id, r.type]));
    for (const q of styled) expect(learningStyleQuestionTypes.logical).toContain(typeOf.get(q.questionId));
  });
});
