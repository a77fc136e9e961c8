/**
 * Learning plans, anchored to the learner's current level (level.ts, from skill):
 *
 *   gap = targetLevel − currentLevel, milestones M = max(3, ceil(gap·2))
 *   for i = 0 … M−1, p = (i+1)/M:
 *     level = current + gap·p, mastery = 0.7 + 0.2·p, sessions = 5 + 2i, xp = 100(i+1)
 *
 * Conventions:
 * - i is 0-based in the formulas; `milestone` in the output is i+1 for people.
 * - Levels are integers today, so gap·2 is too; ceil only matters for a fractional current level.
 * - A target at or below the current level gives gap = 0: three consolidation milestones at the
 *   current level (mastery still rises 0.77 → 0.9), rather than a plan that walks backwards.
 * - level is rounded to 2 decimals, mastery to 3.
 * - Dates: milestone i is due ceil(days·p) days after the start (so ≥ 1, and the last one on day
 *   `days`); `targetDate` is start + that many whole days, ISO, when a start time is given.
 */
import { MAX_LEVEL, MIN_LEVEL } from '../learner/level.js';

export interface LearningPlanInput {
  currentLevel: number;
  targetLevel: number;
  /** 1..365 */
  days: number;
  /** Epoch ms the plan starts; enables `targetDate`. */
  startAt?: number;
}

export interface Milestone {
  milestone: number;
  level: number;
  mastery: number;
  sessions: number;
  xp: number;
  dayOffset: number;
  targetDate?: string;
}

export interface LearningPlan {
  currentLevel: number;
  targetLevel: number;
  gap: number;
  days: number;
  milestones: Milestone[];
}

const DAY_MS = 86_400_000;

export function milestoneCount(gap: number): number {
  return Math.max(3, Math.ceil(Math.max(0, gap) * 2));
}

export function buildLearningPlan(input: LearningPlanInput): LearningPlan {
  const currentLevel = Math.min(MAX_LEVEL, Math.max(MIN_LEVEL, input.currentLevel));
  const targetLevel = Math.min(MAX_LEVEL, Math.max(MIN_LEVEL, input.targetLevel));
  const days = Math.max(1, Math.floor(input.days));
  const gap = Math.max(0, targetLevel - currentLevel);
  const count = milestoneCount(gap);
  const milestones: Milestone[] = [];
  for (let i = 0; i < count; i += 1) {
    const p = (i + 1) / count;
    // The epsilon keeps ceil(30 · 0.5) at 15 despite binary fractions like 0.1 + 0.2.
    const dayOffset = Math.max(1, Math.ceil(days * p - 1e-9));
    milestones.push({
      milestone: i + 1,
      level: Math.round((currentLevel + gap * p) * 100) / 100,
      mastery: Math.round((0.7 + 0.2 * p) * 1000) / 1000,
      sessions: 5 + 2 * i,
      xp: 100 * (i + 1),
      dayOffset,
      ...(input.startAt !== undefined ? { targetDate: new Date(input.startAt + dayOffset * DAY_MS).toISOString() } : {}),
    });
  }
  return { currentLevel, targetLevel, gap, days, milestones };
}
