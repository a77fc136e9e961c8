import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import type { RowError } from '../../core/contracts/question-contracts.js';
import { storeRows } from '../../workers/processors/question-validation/validate-chunk.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

/**
 * One row Postgres refuses fails alone: before, a single bad row (a NUL, a 2.5 into a smallint)
 * sank its whole chunk of 100 (`stored: 0, errors: 100`). The edge refuses such rows now; this is
 * the store's own guard for a row that reaches it anyway (a producer writing to BullMQ directly
 * with an older contract).
 */
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem('row-isolation', { roles: { workers: [], ingress: false, schedulers: false } });
});
afterAll(async () => {
  await system?.close();
});

describe('an import chunk with one row the store refuses', () => {
  it('stores the other rows and reports the bad one by its index', async () => {
    const model = loadDefaultModel();
    const rows = Array.from({ length: 5 }, (_, i) => {
      const input = { text: `Explain topic ${i} in your own words.`, type: 'short_answer' as const, difficulty: i === 2 ? 2.5 : 3 };
      return { id: `iso-${i}`, contentHash: `hash-${i}`, input, score: scoreQuestion(input, model), index: 10 + i };
    });
    const errors: RowError[] = [];
    const saved = await storeRows({ db: system.services.db, job: { enqueuedAt: new Date() } as never }, rows, errors);
    expect(saved.map((r) => r.id)).toEqual(['iso-0', 'iso-1', 'iso-3', 'iso-4']);
    expect(errors).toEqual([{ index: 12, message: expect.stringMatching(/^not stored: /) }]);
    const stored = await system.query<{ id: string }>('SELECT id FROM questions ORDER BY id');
    expect(stored.map((r) => r.id)).toEqual(['iso-0', 'iso-1', 'iso-3', 'iso-4']);
  });
});
