/**
 * The learner profile served by GET /api/users/:userId/profile:
 * `{userId, skill, level, trend, streaks: {correct, wrong}, comebackMode, mastery, reviewsDue}`.
 * `reviewsDue` is counted by the caller (a COUNT over review states with due_at ≤ now is cheaper
 * than loading them); `countDueReviews` does the same for states already in memory.
 */
import type { ReviewState } from '../scheduling/review-state.js';
import type { LearnerState } from './learner-state.js';
import { skillToLevel } from './level.js';

export interface LearnerProfile {
  userId: string;
  skill: number;
  level: number;
  trend: number;
  streaks: { correct: number; wrong: number };
  comebackMode: boolean;
  mastery: Record<string, number>;
  reviewsDue: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function buildLearnerProfile(learner: LearnerState, reviewsDue: number): LearnerProfile {
  const mastery: Record<string, number> = {};
  for (const [categoryId, category] of Object.entries(learner.categories)) mastery[categoryId] = round3(category.mastery);
  return {
    userId: learner.userId,
    skill: round3(learner.skill),
    level: skillToLevel(learner.skill),
    trend: round3(learner.trend),
    streaks: { correct: learner.streaks.correct, wrong: learner.streaks.wrong },
    comebackMode: learner.comebackMode,
    mastery,
    reviewsDue,
  };
}

export function countDueReviews(reviews: Iterable<ReviewState>, now: number): number {
  let due = 0;
  for (const review of reviews) if (review.dueAt <= now) due += 1;
  return due;
}
