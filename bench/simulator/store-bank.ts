/**
 * Stores a simulated question bank as validated questions (the simulator's ports through the real
 * queues): the Bloom scorer runs as the validation processor would, and the world's own
 * validation verdict replaces `passed`, so failed questions stay out of sessions.
 */
import { loadDefaultModel } from '../../core/bloom/model.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { questionContentHash } from '../../core/contracts/question-contracts.js';
import type { Db } from '../../db/database.js';
import { saveValidatedQuestions } from '../../db/queries/questions.js';

export interface BankQuestion {
  questionId: string;
  categoryId: string;
  type: string;
  optionsCount: number | null;
  statedDifficulty: number;
  validationPassed: boolean;
}

export async function storeSimulatedBank(db: Db, bank: readonly BankQuestion[]): Promise<void> {
  const model = loadDefaultModel();
  const rows = bank.map((q) => {
    const input: QuestionInput = {
      id: q.questionId,
      text: `Simulated ${q.type.replace('_', ' ')} question ${q.questionId} on ${q.categoryId}.`,
      type: q.type as QuestionInput['type'],
      difficulty: q.statedDifficulty,
      categoryId: q.categoryId,
      learningObjective: 'Simulated objective',
      ...(q.optionsCount ? { options: Array.from({ length: q.optionsCount }, (_, i) => `option ${i + 1}`) } : {}),
    };
    const score = { ...scoreQuestion(input, model), passed: q.validationPassed };
    return { id: q.questionId, contentHash: questionContentHash(input), input, score };
  });
  for (let i = 0; i < rows.length; i += 500) await saveValidatedQuestions(db, rows.slice(i, i + 500));
}
