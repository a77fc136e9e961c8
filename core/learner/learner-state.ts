/**
 * The persisted shapes of the learner model. All are plain JSON (numbers, strings, booleans,
 * arrays, records; times as epoch milliseconds) so they can live in a jsonb column and be sent
 * through a queue unchanged.
 *
 * - LearnerState: one row per learner (learners.state; skill, level and comeback_mode may be
 *   mirrored into columns for queries).
 * - ItemState: one per question and shared by all learners: the Elo difficulty and the number of
 *   answers that refined it (questions.rating / questions.answer_count).
 * Review states (per learner + question) are in core/scheduling/review-state.ts.
 */
import { defaultAdaptiveConfig } from '../adaptive-config.js';
import { priorDifficulty, type DifficultyMapping } from './difficulty-calibration.js';
import { levelToLogit } from './level.js';
import type { Streaks } from './streak-rules.js';

export const LEARNER_STATE_VERSION = 1;

export interface CategoryState {
  /** Elo offset added to the global skill for questions of this category (logits). */
  offset: number;
  /** Answers in this category (drives the category's K). */
  answers: number;
  correct: number;
  /** Last computed mastery (see mastery.ts), kept so the profile needs no recomputation. */
  mastery: number;
  masteryReached: boolean;
}

export interface TypeStats {
  answers: number;
  correct: number;
}

export interface LearnerState {
  version: number;
  userId: string;
  /** Global Elo skill θ (logits; 0 = level 3). */
  skill: number;
  /**
   * Variance of the belief about `skill` (logits²; skill-filter.ts). Absent in states written
   * before the filter: read them with `skillVariance`, which falls back on the prior.
   */
  skillVar?: number;
  /** Answers counted into the global skill. */
  answers: number;
  correct: number;
  categories: Record<string, CategoryState>;
  /** EWMA of residuals (correct − P), in [−1, 1]. */
  trend: number;
  streaks: Streaks;
  /** Accumulated streak-rule difficulty offset (logits), see streak-rules.ts. */
  difficultyOffset: number;
  comebackMode: boolean;
  comebackAnswers: number;
  /** Last outcomes, most recent last (comeback window). */
  recentOutcomes: boolean[];
  /** Answers by question type; the learning-style share falls back on the learner's best type. */
  types: Record<string, TypeStats>;
  sessions: number;
  lastAnsweredAt: number | null;
}

export function createLearnerState(userId: string): LearnerState {
  return {
    version: LEARNER_STATE_VERSION,
    userId,
    skill: 0,
    skillVar: defaultAdaptiveConfig.skillNoise.v0,
    answers: 0,
    correct: 0,
    categories: {},
    trend: 0,
    streaks: { correct: 0, wrong: 0 },
    difficultyOffset: 0,
    comebackMode: false,
    comebackAnswers: 0,
    recentOutcomes: [],
    types: {},
    sessions: 0,
    lastAnsweredAt: null,
  };
}

export interface ItemState {
  questionId: string;
  /** Difficulty d (logits): the posterior mean around the category's level mapping. */
  difficulty: number;
  /** Answers that refined `difficulty`. */
  answers: number;
  /**
   * Information the answers carried about d (Σ I, skill-filter.ts); the item's variance is
   * 1/(1/u0 + info). Absent (old rows) = 0.
   */
  info?: number;
}

/**
 * A question never answered starts from its stated difficulty (1–5) through its category's level
 * mapping (difficulty-calibration.ts; without one, level.ts's one logit per level).
 */
export function createItemState(questionId: string, statedDifficulty?: number | null, mapping?: DifficultyMapping): ItemState {
  return { questionId, difficulty: mapping ? priorDifficulty(statedDifficulty, mapping) : levelToLogit(statedDifficulty), answers: 0, info: 0 };
}

/**
 * The learner's skill variance. States written before the filter have none: their variance is
 * the old K(n) = 1.6/(1 + 0.28·n), which was the Kalman reading of that variance (elo.ts), so an
 * old learner does not jump back to the prior.
 */
export function skillVariance(learner: LearnerState, v0: number): number {
  return learner.skillVar ?? Math.min(v0, LEGACY_K_ALPHA / (1 + LEGACY_K_BETA * learner.answers));
}

/**
 * An item's evidence. Rows written before the filter have only an answer count: each answer near
 * the flow centre carries about 0.2 of information (P(1 − P) at P ≈ 0.7).
 */
export function itemInformation(item: ItemState): number {
  return item.info ?? LEGACY_INFO_PER_ANSWER * item.answers;
}

const LEGACY_K_ALPHA = 1.6;
const LEGACY_K_BETA = 0.28;
const LEGACY_INFO_PER_ANSWER = 0.2;

/** Skill used for predictions in a category: θ_global + θ_category (0 for an unseen category). */
export function categorySkill(learner: LearnerState, categoryId: string | null | undefined): number {
  const offset = categoryId ? (learner.categories[categoryId]?.offset ?? 0) : 0;
  return learner.skill + offset;
}
