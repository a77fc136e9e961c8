import type { BloomScore } from '../../core/bloom/bloom-score.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { type ThreadOutcome, toErrorData } from './thread-errors.js';

// Loaded once per thread, when Piscina starts it, not per task.
const model = loadDefaultModel();

/** Piscina task: scores a batch; one bad question does not fail its neighbours. */
export default function scoreBatch(questions: QuestionInput[]): ThreadOutcome<BloomScore>[] {
  return questions.map((question) => {
    try {
      return { ok: true, value: scoreQuestion(question, model) };
    } catch (error) {
      return { ok: false, error: toErrorData(error) };
    }
  });
}
