/**
 * Turning an answer into a spaced-repetition grade, from correctness and response time.
 *
 * speed = responseMs / expected time for the question type (true_false 8 s, multiple_choice 15 s,
 * fill_in 20 s, short_answer 30 s, essay 180 s, anything else 20 s).
 *
 * | answer                                   | grade | SM-2 q | FSRS rating |
 * |------------------------------------------|-------|--------|-------------|
 * | wrong, speed < 0.25 (answered unread)    | again | 0      | Again       |
 * | wrong otherwise (or time unknown)        | again | 1      | Again       |
 * | right, speed > 1.5 (slow, laboured)      | hard  | 3      | Hard        |
 * | right, speed < 0.5 (instant recall)      | easy  | 5      | Easy        |
 * | right otherwise (or time unknown)        | good  | 4      | Good        |
 *
 * SM-2 q = 2 ("wrong, but the answer seemed easy once seen") is never produced: a quiz answer does
 * not tell us that. Without a response time a right answer is "good" — the neutral grade of both
 * algorithms, so missing data does not stretch or shrink intervals.
 */

export type AnswerGrade = 'again' | 'hard' | 'good' | 'easy';

export const EXPECTED_RESPONSE_MS: Readonly<Record<string, number>> = {
  true_false: 8_000,
  multiple_choice: 15_000,
  fill_in: 20_000,
  short_answer: 30_000,
  essay: 180_000,
};
const DEFAULT_EXPECTED_MS = 20_000;

export interface AnswerRating {
  grade: AnswerGrade;
  sm2Quality: 0 | 1 | 2 | 3 | 4 | 5;
  /** responseMs / expected time, or null when the time is unknown. */
  speed: number | null;
}

export function rateAnswer(correct: boolean, responseMs: number | null | undefined, type?: string): AnswerRating {
  const expected = (type && EXPECTED_RESPONSE_MS[type]) || DEFAULT_EXPECTED_MS;
  const speed = responseMs !== null && responseMs !== undefined && responseMs >= 0 ? responseMs / expected : null;
  if (!correct) return { grade: 'again', sm2Quality: speed !== null && speed < 0.25 ? 0 : 1, speed };
  if (speed !== null && speed > 1.5) return { grade: 'hard', sm2Quality: 3, speed };
  if (speed !== null && speed < 0.5) return { grade: 'easy', sm2Quality: 5, speed };
  return { grade: 'good', sm2Quality: 4, speed };
}
