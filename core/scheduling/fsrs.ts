/**
 * FSRS-6 through ts-fsrs (the package's default 21 weights), wrapped so the card is plain JSON.
 *
 * Conventions:
 * - enable_short_term = false: no intra-day (re)learning steps; every interval is whole days.
 *   A quiz session never repeats a question, so minute-level steps would only make questions
 *   "due" inside the very session that just showed them.
 * - enable_fuzz = false: scheduling stays a pure function of (card, grade, time).
 * - request_retention from the engine config (default 0.9, the ts-fsrs default).
 * - Dates are epoch milliseconds here; ts-fsrs Dates exist only inside this file.
 */
import { Rating, State, createEmptyCard, fsrs, type Card, type FSRS, type Grade } from 'ts-fsrs';
import type { AnswerGrade } from './answer-rating.js';

export type FsrsCardStateName = 'New' | 'Learning' | 'Review' | 'Relearning';

export interface FsrsCard {
  stability: number;
  difficulty: number;
  state: FsrsCardStateName;
  scheduledDays: number;
  learningSteps: number;
  reps: number;
  lapses: number;
  due: number;
  lastReview: number | null;
}

const schedulers = new Map<number, FSRS>();

function schedulerFor(retention: number): FSRS {
  let scheduler = schedulers.get(retention);
  if (!scheduler) {
    scheduler = fsrs({ request_retention: retention, enable_short_term: false, enable_fuzz: false });
    schedulers.set(retention, scheduler);
  }
  return scheduler;
}

const GRADE_TO_RATING: Record<AnswerGrade, Grade> = {
  again: Rating.Again,
  hard: Rating.Hard,
  good: Rating.Good,
  easy: Rating.Easy,
};

function fromCard(card: Card): FsrsCard {
  return {
    stability: card.stability,
    difficulty: card.difficulty,
    state: State[card.state] as FsrsCardStateName,
    scheduledDays: card.scheduled_days,
    learningSteps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    due: card.due.getTime(),
    lastReview: card.last_review ? card.last_review.getTime() : null,
  };
}

function toCard(card: FsrsCard): Card {
  return {
    due: new Date(card.due),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: 0,
    scheduled_days: card.scheduledDays,
    learning_steps: card.learningSteps,
    reps: card.reps,
    lapses: card.lapses,
    state: State[card.state],
    ...(card.lastReview !== null ? { last_review: new Date(card.lastReview) } : {}),
  };
}

export function createFsrsCard(now: number): FsrsCard {
  return fromCard(createEmptyCard(new Date(now)));
}

export function fsrsNext(card: FsrsCard, grade: AnswerGrade, now: number, retention: number): FsrsCard {
  const { card: next } = schedulerFor(retention).next(toCard(card), new Date(now), GRADE_TO_RATING[grade]);
  return fromCard(next);
}

/** Probability of recall now, as FSRS models it (used for traces and the simulator). */
export function fsrsRetrievability(card: FsrsCard, now: number, retention: number): number {
  if (card.state === 'New') return 0;
  return schedulerFor(retention).get_retrievability(toCard(card), new Date(now), false);
}
