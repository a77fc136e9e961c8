import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOOM_LEVELS } from '../../core/bloom/levels.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

let system: TestSystem;



const verbs = ['Define', 'Explain', 'Apply', 'Compare', 'Evaluate', 'Design', 'List', 'Summarise', 'Calculate', 'Critique'];
const topics = ['paging', 'deadlock', 'binary search', 'photosynthesis', 'supply and demand', 'recursion', 'the French revolution', 'entropy', 'plate tectonics', 'hash tables'];
const bank = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => ({
    text: `${verbs[(i + offset) % verbs.length]} ${topics[Math.floor((i + offset) / verbs.length) % topics.length]} in case ${i + offset}.`,
    type: 'short_answer',
    learningObjective: 'Understand core ideas',
    difficulty: ((i + offset) % 5) + 1,
  }));

beforeAll(async () => {
  system = await startTestSystem('import', { roles: { workers: ['question-validation', 'decision-insights'] } });
});
afterAll(async () => {
  await system?.close();
});

describe('bulk import as a flow: one parent job, chunked children', () => {
  it('imports 10 000 questions: each stored once with its level and model version, and the summary adds up', { timeout: 300_000 }, async () => {
    const questions: unknown[] = bank(10_000);
    // Two invalid rows are reported, not a reason to refuse the rest.
    questions[17] = { text: '', type: 'essay' };
    questions[9_999] = { text: 'Why?', type: 'riddle' };
    const res = await system.request('/api/questions/import', { method: 'POST', json: { questions } });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as any;
    expect(accepted).toMatchObject({ queue: 'question-validation', accepted: 9_998, rejected: 2 });
    expect(accepted.rejectedRows.map((r: any) => r.index)).toEqual([17, 9_999]);

    const status = await system.jobStatus(accepted.statusUrl, 240_000);
    expect(status.state).toBe('completed');
    expect(status.progress).toMatchObject({ percent: 100 });
    const summary = status.result;
    expect(summary.total).toBe(10_000);
    expect(summary.stored).toBe(9_998);
    expect(summary.errors).toBe(2);
    expect(summary.stored + summary.errors).toBe(summary.total);
    expect(summary.passed + summary.failed).toBe(summary.stored);
    const byLevel = Object.values(summary.byLevel as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(byLevel).toBe(summary.stored);
    for (const level of Object.keys(summary.byLevel)) expect(BLOOM_LEVELS).toContain(level);

    const [counts] = await system.query(`
      SELECT (SELECT count(*)::int FROM questions) AS questions,
             (SELECT count(DISTINCT text)::int FROM questions) AS distinct_texts,
             (SELECT count(*)::int FROM question_validations) AS validations,
             (SELECT count(*)::int FROM question_validations WHERE model_version IS NULL OR level IS NULL) AS incomplete`);
    expect(counts).toEqual({ questions: 9_998, distinct_texts: 9_998, validations: 9_998, incomplete: 0 });
    const levels = await system.query('SELECT level, count(*)::int AS n FROM question_validations GROUP BY level');
    expect(Object.fromEntries(levels.map((l) => [l.level, l.n]))).toEqual(summary.byLevel);
  });

  it('does not score a question again that is stored with the same text and model version', async () => {
    const overlapping = [...bank(50, 9_950), ...bank(50, 20_000)];
    const res = await system.request('/api/questions/import?wait=30000', { method: 'POST', json: { questions: overlapping } });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as any;
    expect(result).toMatchObject({ total: 100, stored: 100, alreadyStored: 49, scored: 51, errors: 0 });
    // Row 9 999 of the first import was refused, so it is new here: 49 known, 51 new.
    expect((await system.query('SELECT count(*)::int AS n FROM questions'))[0].n).toBe(9_998 + 51);
  });

  it('takes CSV with a header row', async () => {
    const csv = [
      'text,type,difficulty,options,learningObjective',
      '"Which of these, if any, is a prime number?",multiple_choice,2,2|4|6|8,Recall number facts',
      'Design an experiment to test the effect of light on plant growth.,essay,5,,Design experiments',
      ',essay,3,,',
    ].join('\n');
    const res = await system.request('/api/questions/import?wait=30000', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as any;
    expect(result).toMatchObject({ total: 3, stored: 2, errors: 1 });
    const [row] = await system.query("SELECT options FROM questions WHERE text LIKE 'Which of these%'");
    expect(row.options).toEqual(['2', '4', '6', '8']);
  });

  it('refuses an import with no valid question, or too many', async () => {
    const none = await system.request('/api/questions/import', { method: 'POST', json: { questions: [{ type: 'essay' }] } });
    expect(none.status).toBe(400);
    const tooMany = await system.request('/api/questions/import', { method: 'POST', json: { questions: bank(10_001) } });
    expect(tooMany.status).toBe(400);
  });
});
