/**
 * One spaced-repetition state per learner + question, with a common envelope over SM-2 and FSRS
 * so the composer and the storage need not care which algorithm made it.
 *
 * Persist as-is (JSON; times in epoch ms): review_states(user_id, question_id, algorithm,
 * state jsonb, due_at = dueAt, last_reviewed_at = lastReviewedAt).
 *
 * A state keeps the algorithm it was created with; changing the engine's `scheduler` only
 * affects states created afterwards (no silent conversion between incompatible memory models).
 * A state is created at a learner's FIRST answer to a question and is due `dueAt` onwards.
 */
import type { ReviewAlgorithm } from '../adaptive-config.js';
import type { AnswerRating } from './answer-rating.js';
import { createFsrsCard, fsrsNext, type FsrsCard } from './fsrs.js';
import { createSm2Card, sm2Next, type Sm2Card } from './sm2.js';

const DAY_MS = 86_400_000;

interface ReviewStateBase {
  questionId: string;
  dueAt: number;
  lastReviewedAt: number | null;
  /** Every recorded answer. */
  reps: number;
  /** Wrong answers after the first one (forgotten reviews). */
  lapses: number;
  lastCorrect: boolean | null;
}

export interface Sm2ReviewState extends ReviewStateBase {
  algorithm: 'sm2';
  sm2: Sm2Card;
}

export interface FsrsReviewState extends ReviewStateBase {
  algorithm: 'fsrs';
  fsrs: FsrsCard;
}

export type ReviewState = Sm2ReviewState | FsrsReviewState;

export function createReviewState(questionId: string, algorithm: ReviewAlgorithm, now: number): ReviewState {
  const base: ReviewStateBase = { questionId, dueAt: now, lastReviewedAt: null, reps: 0, lapses: 0, lastCorrect: null };
  return algorithm === 'sm2'
    ? { ...base, algorithm: 'sm2', sm2: createSm2Card() }
    : { ...base, algorithm: 'fsrs', fsrs: createFsrsCard(now) };
}

export function recordReview(
  state: ReviewState,
  correct: boolean,
  rating: AnswerRating,
  now: number,
  options: { fsrsRetention: number },
): ReviewState {
  const base: ReviewStateBase = {
    questionId: state.questionId,
    dueAt: state.dueAt,
    lastReviewedAt: now,
    reps: state.reps + 1,
    lapses: state.lapses + (!correct && state.reps > 0 ? 1 : 0),
    lastCorrect: correct,
  };
  if (state.algorithm === 'sm2') {
    const sm2 = sm2Next(state.sm2, rating.sm2Quality);
    return { ...base, algorithm: 'sm2', sm2, dueAt: now + sm2.intervalDays * DAY_MS };
  }
  const fsrs = fsrsNext(state.fsrs, rating.grade, now, options.fsrsRetention);
  return { ...base, algorithm: 'fsrs', fsrs, dueAt: fsrs.due };
}

export function isReviewDue(state: ReviewState | undefined | null, now: number): boolean {
  return !!state && state.lastReviewedAt !== null && state.dueAt <= now;
}
