import type { QuestionInput } from '../../core/bloom/question-input.js';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { type ThreadOutcome, toErrorData } from './thread-errors.js';

// Loaded once per thread, when Piscina starts it, not per task.
const model = loadDefaultModel();

/** What a batch sends back: one outcome per question, and the thread's own compute time. */
export interface ScoredBatch {
  /** Each score as JSON text (see below). */
  outcomes: ThreadOutcome<string>[];
  /** Measured in the thread and observed by the main thread (threads have no registry anyone scrapes). */
  computeSeconds: number;
}

/**
 * Piscina task: scores a batch; one bad question does not fail its neighbours.
 *
 * Scores leave the thread as JSON text, not objects. Why (bench/benchmarks/bloom-scoring.ts): a
 * score is ~2 KB of nested evidence, and structured cloning it cost ~50 µs of main-thread time per
 * question to rebuild, on a 2-core machine CPU taken straight from the scoring threads; a string
 * crosses as one copy and JSON.parse rebuilds it in about half the time.
 */
export default function scoreBatch(questions: QuestionInput[]): ScoredBatch {
  const started = performance.now();
  const outcomes = questions.map((question): ThreadOutcome<string> => {
    try {
      return { ok: true, value: JSON.stringify(scoreQuestion(question, model)) };
    } catch (error) {
      return { ok: false, error: toErrorData(error) };
    }
  });
  return { outcomes, computeSeconds: (performance.now() - started) / 1000 };
}
