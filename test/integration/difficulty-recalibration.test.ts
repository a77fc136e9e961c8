import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { questionContentHash } from '../../core/contracts/question-contracts.js';
import { recalibrateDifficulties } from '../../db/queries/difficulty-mappings.js';
import { getQuestionWithLatestValidation, saveValidatedQuestions } from '../../db/queries/questions.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

let system: TestSystem;
const settings = { u0: 0.5, ridge: 20, minScale: 0.1 };
const model = loadDefaultModel();

function question(id: string, level: number, categoryId = 'bank-a') {
  const input = { id, text: `Explain how mechanism ${id} of the file system works.`, type: 'short_answer' as const, difficulty: level, categoryId, learningObjective: 'Explain' };
  return { id, contentHash: questionContentHash(input), input, score: scoreQuestion(input, model) };
}

beforeAll(async () => {
  system = await startTestSystem('recalibration', { roles: { workers: ['feedback-loop'] } });
  await saveValidatedQuestions(system.services.db, [1, 2, 3, 4, 5].flatMap((level) => [0, 1].map((k) => question(`rc-${level}-${k}`, level))));
  // Evidence as the feedback loop leaves it: a bank whose levels are 2 logits apart, offset +1.
  // Posterior d = (prior/u0 + info·e)/(1/u0 + info) with prior = level − 3, e = 1 + 2·(level − 3).
  for (const level of [1, 2, 3, 4, 5]) {
    const info = 30;
    const d = ((level - 3) / settings.u0 + info * (1 + 2 * (level - 3))) / (1 / settings.u0 + info);
    await system.query('UPDATE questions SET rating = $1, rating_info = $2, answer_count = 150 WHERE id = $3', [d, info, `rc-${level}-0`]);
  }
});
afterAll(async () => {
  await system?.close();
});

describe('level → difficulty recalibration (feedback-loop/recalibrate)', () => {
  it('learns the bank’s scale and offset, moves unanswered items the whole way, and is idempotent', async () => {
    // GET /api/questions/:id's read: through the cache, which now holds the rating from before the fit.
    const readCached = (id: string) => system.services.cache.get('question', id, () => getQuestionWithLatestValidation(system.services.db, id));
    expect((await readCached('rc-5-1'))!.rating).toBeCloseTo(2, 9);
    const jobId = await system.services.producer.send('feedback-loop', 'recalibrate', {});
    const status = await system.jobStatus(`/api/jobs/feedback-loop/${encodeURIComponent(jobId)}`);
    expect(status.state).toBe('completed');
    const result = status.result as any;
    const fitted = result.categories.find((c: any) => c.categoryId === 'bank-a');
    expect(fitted.before).toEqual({ scale: 1, offset: 0 });
    expect(fitted.after.scale).toBeGreaterThan(1.8);
    expect(fitted.after.offset).toBeGreaterThan(0.8);
    const stored = await system.query('SELECT scale, "offset" FROM difficulty_mappings WHERE category_id = $1', ['bank-a']);
    expect(stored).toEqual([{ scale: fitted.after.scale, offset: fitted.after.offset }]);
    // An unanswered level-5 item now sits at the learned prior.
    const [unanswered] = await system.query('SELECT rating FROM questions WHERE id = $1', ['rc-5-1']);
    expect(unanswered.rating).toBeCloseTo(fitted.after.offset + 2 * fitted.after.scale, 6);
    // The refit cleared the cached questions: the read answers the new rating, not the cached one.
    expect((await readCached('rc-5-1'))!.rating).toBeCloseTo(unanswered.rating, 9);

    const ratings = await system.query('SELECT id, rating FROM questions ORDER BY id');
    const again = await recalibrateDifficulties(system.services.db, settings, new Date());
    expect(again.find((c) => c.categoryId === 'bank-a')!.after.scale).toBeCloseTo(fitted.after.scale, 6);
    const after = await system.query('SELECT id, rating FROM questions ORDER BY id');
    after.forEach((row: any, i: number) => expect(row.rating).toBeCloseTo(ratings[i].rating, 6));
  });

  it('seeds a new question of the category from the learned mapping', async () => {
    await saveValidatedQuestions(system.services.db, [question('rc-new', 5)]);
    const [mapping] = await system.query('SELECT scale, "offset" FROM difficulty_mappings WHERE category_id = $1', ['bank-a']);
    const [row] = await system.query('SELECT rating FROM questions WHERE id = $1', ['rc-new']);
    expect(row.rating).toBeCloseTo(mapping.offset + 2 * mapping.scale, 9);
    expect(row.rating).toBeGreaterThan(4);
  });
});
