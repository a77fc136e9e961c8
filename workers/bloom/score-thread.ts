import type { BloomScore } from '../../core/bloom/bloom-score.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { type ThreadOutcome, toErrorData } from './thread-errors.js';

// Loaded once per thread, when Piscina starts it, not per task.
const model = loadDefaultModel();

/** What a batch sends back: one outcome per question, and the thread's own compute time. */
export interface ScoredBatch {
  outcomes: ThreadOutcome<BloomScore>[];
  /** Measured in the thread and observed by the main thread (threads have no registry anyone scrapes). */
  computeSeconds: number;
}

/** Piscina task: scores a batch; one bad question does not fail its neighbours. */
export default function scoreBatch(questions: QuestionInput[]): ScoredBatch {
  const started = performance.now();
  const outcomes = questions.map((question): ThreadOutcome<BloomScore> => {
    try {
      return { ok: true, value: scoreQuestion(question, model) };
    } catch (error) {
      return { ok: false, error: toErrorData(error) };
    }
  });
  return { outcomes, computeSeconds: (performance.now() - started) / 1000 };
}
