import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import { findStoredValidations } from '../../db/queries/questions.js';
import { createLogger } from '../../observability/logger.js';
import { type PendingValidation, ValidationBatcher } from '../../workers/processors/question-validation/validation-batcher.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

// The batcher is driven directly (no validation workers), so the test decides what shares a batch:
// calls made in the same tick land in one. decision-insights workers run, so traces get stored.
let system: TestSystem;
const log = createLogger('silent');

beforeAll(async () => {
  system = await startTestSystem('validation-batching', { roles: { workers: ['decision-insights'] } });
});
afterAll(async () => {
  await system?.close();
});

function pending(question: QuestionInput): PendingValidation {
  const contentHash = questionContentHash(question);
  return { id: questionIdFor(question, contentHash), contentHash, question, enqueuedAt: new Date('2026-01-05T10:00:00.000Z'), log };
}

const q = (tag: string, i: number): QuestionInput => ({
  id: `${tag}-${i}`,
  text: `Explain how ${tag} number ${i} affects the scheduling of processes.`,
  type: 'essay',
  difficulty: (i % 5) + 1,
  categoryId: 'os',
});

async function count(table: string, where: string, params: unknown[]): Promise<number> {
  const [row] = await system.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return row.n;
}

describe('validate jobs share one batch', () => {
  it('concurrent validations are looked up, scored and stored in one batch, each with its own result, event and trace', async () => {
    const batcher = new ValidationBatcher(system.services);
    const questions = Array.from({ length: 12 }, (_, i) => q('shared', i));
    const outcomes = await Promise.all(questions.map((question) => batcher.validate(pending(question))));
    expect(batcher.flushes).toBe(1);
    outcomes.forEach((o, i) => {
      expect(o.scored).toBe(true);
      expect(o.result.questionId).toBe(`shared-${i}`);
    });
    expect(await count('questions', "id LIKE 'shared-%'", [])).toBe(12);
    expect(await count('question_validations', "question_id LIKE 'shared-%'", [])).toBe(12);
    expect(await count('analytics_events', "kind = 'question-validated' AND payload->>'questionId' LIKE 'shared-%'", [])).toBe(12);
    // Each stored question carries the author's difficulty as its Elo seed, and its own fields.
    const [row] = await system.query(`SELECT difficulty, rating, category_id FROM questions WHERE id = 'shared-4'`);
    expect(row).toMatchObject({ difficulty: 5, rating: 2, category_id: 'os' });
    await vi.waitFor(async () => expect(await count('decision_insights', "decision_id LIKE 'validation-shared-%'", [])).toBe(12), { timeout: 30_000 });
  });

  it('a batch run again (a retried job) stores nothing twice and answers from what is stored', async () => {
    const batcher = new ValidationBatcher(system.services);
    const questions = Array.from({ length: 5 }, (_, i) => q('again', i));
    const first = await Promise.all(questions.map((question) => batcher.validate(pending(question))));
    const second = await Promise.all(questions.map((question) => batcher.validate(pending(question))));
    expect(second.map((o) => o.scored)).toEqual([false, false, false, false, false]);
    expect(second.map((o) => o.result.level)).toEqual(first.map((o) => o.result.level));
    expect(await count('question_validations', "question_id LIKE 'again-%'", [])).toBe(5);
    expect(await count('analytics_events', "payload->>'questionId' LIKE 'again-%'", [])).toBe(5);
  });

  it('the same question twice in one batch is scored and stored once; both jobs get its result', async () => {
    const batcher = new ValidationBatcher(system.services);
    const [a, b] = await Promise.all([batcher.validate(pending(q('twice', 0))), batcher.validate(pending(q('twice', 0)))]);
    expect(batcher.flushes).toBe(1);
    expect(a.result).toEqual(b.result);
    expect(await count('question_validations', "question_id = 'twice-0'", [])).toBe(1);
  });

  it('one question Postgres refuses fails alone, for good; the rest of its batch is stored', async () => {
    const batcher = new ValidationBatcher(system.services);
    const questions = Array.from({ length: 6 }, (_, i) => q('poison', i));
    // A NUL character: valid JSON and JavaScript, refused by Postgres text and jsonb (SQLSTATE 22P05).
    questions[2] = { ...questions[2]!, text: 'Explain the \u0000 character in C strings.' };
    const settled = await Promise.allSettled(questions.map((question) => batcher.validate(pending(question))));
    expect(batcher.flushes).toBe(1);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    const reason = (settled[2] as PromiseRejectedResult).reason as Error;
    expect(reason.name).toBe('UnrecoverableError');
    expect(reason.message).toContain('poison-2');
    expect(await count('question_validations', "question_id LIKE 'poison-%'", [])).toBe(5);
    expect(await count('questions', "id = 'poison-2'", [])).toBe(0);
    await vi.waitFor(async () => expect(await count('decision_insights', "decision_id LIKE 'validation-poison-%'", [])).toBe(5), { timeout: 30_000 });
  });

  it('the stored-validation lookup matches (question, content) pairs, not ids and contents apart', async () => {
    const batcher = new ValidationBatcher(system.services);
    const [a, b] = [pending(q('pairs', 1)), pending(q('pairs', 2))];
    await Promise.all([batcher.validate(a), batcher.validate(b)]);
    const modelVersion = system.services.bloom.modelVersion;
    const found = await findStoredValidations(
      system.services.db,
      [
        { id: a.id, contentHash: b.contentHash },
        { id: b.id, contentHash: a.contentHash },
        { id: b.id, contentHash: b.contentHash },
        { id: 'pairs-none', contentHash: a.contentHash },
      ],
      modelVersion,
    );
    expect(found.map((v) => [v.question_id, v.content_hash])).toEqual([[b.id, b.contentHash]]);
    expect(await findStoredValidations(system.services.db, [{ id: a.id, contentHash: a.contentHash }], 'another-model')).toEqual([]);
  });
});
