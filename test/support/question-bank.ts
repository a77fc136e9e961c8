import { loadDefaultModel } from '../../core/bloom/model.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { questionContentHash } from '../../core/contracts/question-contracts.js';
import type { Db } from '../../db/database.js';
import { saveValidatedQuestions } from '../../db/queries/questions.js';

/**
 * `count` validated questions `<prefix>-<i>` (difficulties 1–5), scored by the real Bloom scorer
 * and stored by the query the validation processor uses. `shape(i)` sets type, category, …
 */
export async function seedQuestionBank(
  db: Db,
  prefix: string,
  count: number,
  shape: (i: number) => Partial<QuestionInput> = () => ({ type: 'multiple_choice', options: ['a', 'b', 'c', 'd'], categoryId: 'os' }),
): Promise<void> {
  const model = loadDefaultModel();
  const bank: QuestionInput[] = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    text: `Explain how mechanism number ${i} of the operating system schedules processes.`,
    type: 'multiple_choice',
    difficulty: (i % 5) + 1,
    ...shape(i),
  }));
  await saveValidatedQuestions(db, bank.map((q) => ({ id: q.id!, contentHash: questionContentHash(q), input: q, score: scoreQuestion(q, model) })));
}
