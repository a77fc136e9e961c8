import { UnrecoverableError } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../core/bloom/model.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { BloomPool } from '../../workers/bloom/bloom-pool.js';

const model = loadDefaultModel();
const pool = new BloomPool({ threads: 2 });
afterAll(() => pool.close());

const stems = [
  'Define the term photosynthesis.',
  'Explain why the sky appears blue during the day.',
  'Calculate the area of a circle with a radius of 4 cm.',
  'Compare mitosis and meiosis in terms of their outcomes.',
  'Evaluate the argument that nuclear power is the safest source of energy.',
  'Design an experiment to test whether light intensity affects the rate of photosynthesis.',
];
const questions: QuestionInput[] = Array.from({ length: 60 }, (_, i) => ({
  text: `${stems[i % stems.length]} (variant ${i})`,
  type: i % 2 === 0 ? 'essay' : 'short_answer',
  ...(i % 3 === 0 ? { learningObjective: 'Apply scientific reasoning to everyday phenomena' } : {}),
}));
// Passes the TypeScript type by a cast only: the scorer throws a TypeError on an unknown type,
// which is what a payload that slipped past validation would do on a thread.
const broken = { text: 'What is a cell?', type: 'oral_exam' } as unknown as QuestionInput;

describe('BloomPool (real Piscina threads)', () => {
  it('scores a batch split across threads exactly as the scorer does inline, in order', async () => {
    const scores = await pool.scoreMany(questions);
    expect(scores).toEqual(questions.map((q) => scoreQuestion(q, model)));
  });

  it('returns a failing question as a rebuilt error without failing its neighbours', async () => {
    const batch = [questions[0]!, broken, questions[1]!];
    const [first, failed, last] = await pool.scoreMany(batch);
    expect(first).toEqual(scoreQuestion(questions[0]!, model));
    expect(last).toEqual(scoreQuestion(questions[1]!, model));
    // A TypeError cannot be fixed by a retry: it comes back as BullMQ's UnrecoverableError.
    expect(failed).toBeInstanceOf(UnrecoverableError);
    expect((failed as Error).message).toMatch(/includes|undefined/);
  });

  it('coalesces concurrent single-question calls into shared thread tasks', async () => {
    const before = pool.completedTasks;
    const scores = await Promise.all(questions.map((q) => pool.score(q)));
    const tasks = pool.completedTasks - before;
    expect(scores).toEqual(questions.map((q) => scoreQuestion(q, model)));
    expect(tasks).toBeGreaterThan(0);
    expect(tasks).toBeLessThan(questions.length / 4);
  });

  it('rejects a single bad question while the calls it shared a task with succeed', async () => {
    const [ok, bad] = await Promise.allSettled([pool.score(questions[2]!), pool.score(broken)]);
    expect(ok).toEqual({ status: 'fulfilled', value: scoreQuestion(questions[2]!, model) });
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(UnrecoverableError);
  });
});
