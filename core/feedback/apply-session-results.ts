/**
 * The feedback step: applies one session's answers, in the order given, to the learner state,
 * the item states and the learner's review states. Pure and deterministic: no clock (`now` is an
 * input), no randomness, inputs are never mutated. Storage makes it idempotent (answers are keyed
 * per session + question); as a second line of defence a question answered twice in the same
 * call counts once (the first answer) and the rest are listed in `ignored`.
 *
 * Per answer, in this order:
 * 1. Skill filter (skill-filter.ts): P = g + (1 − g)·σ(θ_global + θ_category − d), d seeded from
 *    the stated difficulty when the item has no state. The learner's variance first grows by
 *    qAnswer + qDay·days since the last answer (cap v0), then θ_global and d take one Laplace
 *    step each (the item with its own variance 1/(1/u0 + info), no process noise);
 *    θ_category += γ·K(n_c)·r with r = correct − P (elo.ts's K(n), n counted before the answer).
 * 2. Trend: EWMA of r (trend.ts).
 * 3. Streak rules (streak-rules.ts) → `streak-down` / `streak-up`.
 * 4. Comeback window (comeback.ts) → `comeback-enter` / `comeback-exit`.
 * 5. Category mastery (mastery.ts) → `mastery-reached` / `mastery-lost`.
 * 6. Review state: graded from correctness and response time (answer-rating.ts), scheduled at
 *    the answer's time (`answeredAt`, else `now`) by the state's algorithm; a first answer
 *    creates the state with the configured algorithm.
 * Before the first answer the streak offset is multiplied by `sessionDecay` (0.5); after the last
 * one a change of level fires `level-up` / `level-down` once for the session.
 *
 * Session outcome: successRate = correct / answered; flowAchieved = successRate ∈ [0.70, 0.85].
 */
import {
  ADAPTIVE_MODEL_VERSION,
  resolveAdaptiveConfig,
  type AdaptiveConfigOverrides,
} from '../adaptive-config.js';
import { updateComeback, type ComebackRuleName } from '../learner/comeback.js';
import { eloK, guessingFor } from '../learner/elo.js';
import { itemVariance, laplaceStep, predictVariance } from '../learner/skill-filter.js';
import {
  createItemState,
  itemInformation,
  skillVariance,
  type CategoryState,
  type ItemState,
  type LearnerState,
} from '../learner/learner-state.js';
import { skillToLevel } from '../learner/level.js';
import { masteryFor, masteryTransition, type MasteryRuleName } from '../learner/mastery.js';
import { applyStreakRules, type StreakRuleName } from '../learner/streak-rules.js';
import { updateTrend } from '../learner/trend.js';
import { rateAnswer, type AnswerGrade } from '../scheduling/answer-rating.js';
import { createReviewState, recordReview, type ReviewState } from '../scheduling/review-state.js';

export interface QuestionMeta {
  categoryId: string | null;
  type: string;
  optionsCount?: number | null;
  statedDifficulty?: number | null;
}

export interface SessionAnswer {
  questionId: string;
  correct: boolean;
  responseMs?: number | null;
  /** Epoch ms or an ISO date-time; defaults to `now`. */
  answeredAt?: number | string | null;
}

export interface ApplySessionResultsInput {
  learner: LearnerState;
  /** Current item states by question id; missing ones are seeded from `questions`. */
  items: Readonly<Record<string, ItemState>>;
  /** This learner's review states by question id; missing = first answer. */
  reviews: Readonly<Record<string, ReviewState>>;
  /** Category, type and stated difficulty of every answered question; unknown → open type, level 3. */
  questions: Readonly<Record<string, QuestionMeta>>;
  answers: readonly SessionAnswer[];
  now: number;
  config?: AdaptiveConfigOverrides;
  /**
   * The session already had answers applied (answers handed in one at a time): the
   * once-per-session steps (streak offset decay, session count) are not repeated.
   */
  continuing?: boolean;
}

export type FiredRuleName = StreakRuleName | ComebackRuleName | MasteryRuleName | 'level-up' | 'level-down';

/** One rule that fired; `inputs`/`outputs` are ready to become a decision trace. */
export interface FiredRule {
  rule: FiredRuleName;
  /** Index into the applied answers (the last one for session-level rules). */
  answerIndex: number;
  questionId: string;
  categoryId: string | null;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export interface AppliedAnswer {
  questionId: string;
  correct: boolean;
  predicted: number;
  grade: AnswerGrade;
  sm2Quality: number;
  skillBefore: number;
  skillAfter: number;
  difficultyBefore: number;
  difficultyAfter: number;
  /** Information this answer added to the item (ItemState.info). */
  itemInfo: number;
  dueAt: number;
}

export interface SessionOutcome {
  answered: number;
  correct: number;
  successRate: number;
  flowAchieved: boolean;
  meanPredicted: number;
}

export interface ApplySessionResultsOutput {
  learner: LearnerState;
  /** Only the item states this session changed: upsert them. */
  items: Record<string, ItemState>;
  /** Only the review states this session changed: upsert them. */
  reviews: Record<string, ReviewState>;
  outcome: SessionOutcome;
  firedRules: FiredRule[];
  applied: AppliedAnswer[];
  ignored: Array<{ questionId: string; reason: 'duplicate' }>;
  modelVersion: string;
}

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const DAY_MS = 86_400_000;

function answerTime(answer: SessionAnswer, now: number): number {
  const at = answer.answeredAt;
  if (typeof at === 'number' && Number.isFinite(at)) return at;
  if (typeof at === 'string') {
    const parsed = Date.parse(at);
    if (Number.isFinite(parsed)) return parsed;
  }
  return now;
}

function emptyCategory(): CategoryState {
  return { offset: 0, answers: 0, correct: 0, mastery: 0.5, masteryReached: false };
}

export function applySessionResults(input: ApplySessionResultsInput): ApplySessionResultsOutput {
  const cfg = resolveAdaptiveConfig(input.config);
  const learner: LearnerState = structuredClone(input.learner);
  const items: Record<string, ItemState> = {};
  const reviews: Record<string, ReviewState> = {};
  const firedRules: FiredRule[] = [];
  const applied: AppliedAnswer[] = [];
  const ignored: Array<{ questionId: string; reason: 'duplicate' }> = [];
  const levelBefore = skillToLevel(learner.skill);

  if (input.answers.length > 0 && !input.continuing) {
    learner.difficultyOffset = r6(learner.difficultyOffset * cfg.streak.sessionDecay);
    learner.sessions += 1;
  }

  const done = new Set<string>();
  let predictedSum = 0;
  let correctCount = 0;
  for (const answer of input.answers) {
    if (done.has(answer.questionId)) {
      ignored.push({ questionId: answer.questionId, reason: 'duplicate' });
      continue;
    }
    done.add(answer.questionId);
    const index = applied.length;
    const at = answerTime(answer, input.now);
    const meta: QuestionMeta = input.questions[answer.questionId] ?? { categoryId: null, type: 'unknown' };
    const categoryId = meta.categoryId ?? null;
    const rule = (name: FiredRuleName, inputs: Record<string, unknown>, outputs: Record<string, unknown>): void => {
      firedRules.push({ rule: name, answerIndex: index, questionId: answer.questionId, categoryId, inputs, outputs });
    };

    // 1. Skill filter (skill-filter.ts): predict step (uncertainty grows back with the answer and
    //    the time since the last one), then the Laplace update of θ and of the item's d.
    const item = items[answer.questionId] ?? input.items[answer.questionId] ?? createItemState(answer.questionId, meta.statedDifficulty);
    const category = categoryId ? (learner.categories[categoryId] ?? emptyCategory()) : null;
    const skillBefore = learner.skill + (category?.offset ?? 0);
    const guessing = guessingFor(meta.type, meta.optionsCount);
    const days = learner.lastAnsweredAt === null ? 0 : Math.max(0, at - learner.lastAnsweredAt) / DAY_MS;
    const learnerVar = predictVariance(skillVariance(learner, cfg.skillNoise.v0), days, cfg.skillNoise);
    const step = laplaceStep(skillBefore - item.difficulty, learnerVar, guessing, answer.correct);
    const itemInfo = itemInformation(item);
    const itemStep = laplaceStep(skillBefore - item.difficulty, itemVariance(itemInfo, cfg.calibration.u0), guessing, answer.correct);
    const residual = (answer.correct ? 1 : 0) - step.predicted;
    learner.skill = r6(learner.skill + step.delta);
    learner.skillVar = r6(step.variance);
    learner.answers += 1;
    if (answer.correct) learner.correct += 1;
    if (category && categoryId) {
      category.offset = r6(category.offset + cfg.elo.categoryGamma * eloK(category.answers, cfg.elo.alpha, cfg.elo.beta) * residual);
      category.answers += 1;
      if (answer.correct) category.correct += 1;
      learner.categories[categoryId] = category;
    }
    const nextItem: ItemState = {
      questionId: item.questionId,
      difficulty: r6(item.difficulty - itemStep.delta),
      answers: item.answers + 1,
      info: r6(itemInfo + itemStep.information),
    };
    items[answer.questionId] = nextItem;
    predictedSum += step.predicted;
    if (answer.correct) correctCount += 1;

    // 2. Trend.
    learner.trend = r6(updateTrend(learner.trend, residual, cfg.trend.lambda));

    // 3. Streaks.
    const offsetBefore = learner.difficultyOffset;
    const streak = applyStreakRules(learner.streaks, learner.difficultyOffset, answer.correct, cfg.streak);
    learner.streaks = streak.streaks;
    learner.difficultyOffset = streak.difficultyOffset;
    if (streak.fired) {
      rule(
        streak.fired,
        { streaks: streak.streaks, difficultyOffset: offsetBefore },
        { difficultyOffset: streak.difficultyOffset, clamped: r6(offsetBefore + (streak.fired === 'streak-up' ? cfg.streak.rightStep : cfg.streak.wrongStep)) !== streak.difficultyOffset },
      );
    }

    // 4. Comeback.
    const comeback = updateComeback(learner, answer.correct, cfg.comeback);
    learner.comebackMode = comeback.comebackMode;
    learner.comebackAnswers = comeback.comebackAnswers;
    learner.recentOutcomes = comeback.recentOutcomes;
    if (comeback.fired) {
      rule(
        comeback.fired,
        { recentOutcomes: comeback.recentOutcomes, accuracy: r6(comeback.accuracy) },
        { comebackMode: comeback.comebackMode, targetOffset: comeback.comebackMode ? cfg.comeback.offset : 0 },
      );
    }

    // 5. Mastery of every practised category (the global skill moved for all of them).
    for (const [id, cat] of Object.entries(learner.categories)) {
      const mastery = masteryFor(learner.skill, cat.offset, cfg.mastery.referenceDifficulty);
      cat.mastery = r6(mastery);
      const transition = masteryTransition(cat.masteryReached, mastery, cfg.mastery);
      cat.masteryReached = transition.reached;
      if (transition.fired) {
        firedRules.push({
          rule: transition.fired,
          answerIndex: index,
          questionId: answer.questionId,
          categoryId: id,
          inputs: { skill: learner.skill, categoryOffset: cat.offset, threshold: transition.fired === 'mastery-reached' ? cfg.mastery.reached : cfg.mastery.lost },
          outputs: { mastery: cat.mastery, masteryReached: cat.masteryReached },
        });
      }
    }

    // 6. Review state.
    const rating = rateAnswer(answer.correct, answer.responseMs, meta.type);
    const previous = reviews[answer.questionId] ?? input.reviews[answer.questionId] ?? createReviewState(answer.questionId, cfg.scheduler, at);
    const review = recordReview(previous, answer.correct, rating, at, { fsrsRetention: cfg.fsrsRetention });
    reviews[answer.questionId] = review;

    const typeStats = learner.types[meta.type] ?? { answers: 0, correct: 0 };
    learner.types[meta.type] = { answers: typeStats.answers + 1, correct: typeStats.correct + (answer.correct ? 1 : 0) };
    learner.lastAnsweredAt = Math.max(learner.lastAnsweredAt ?? at, at);

    applied.push({
      questionId: answer.questionId,
      correct: answer.correct,
      predicted: r6(step.predicted),
      grade: rating.grade,
      sm2Quality: rating.sm2Quality,
      skillBefore: r6(skillBefore),
      skillAfter: r6(learner.skill + (category?.offset ?? 0)),
      difficultyBefore: item.difficulty,
      difficultyAfter: nextItem.difficulty,
      itemInfo: r6(itemStep.information),
      dueAt: review.dueAt,
    });
  }

  const levelAfter = skillToLevel(learner.skill);
  const last = applied[applied.length - 1];
  if (last && levelAfter !== levelBefore) {
    firedRules.push({
      rule: levelAfter > levelBefore ? 'level-up' : 'level-down',
      answerIndex: applied.length - 1,
      questionId: last.questionId,
      categoryId: null,
      inputs: { levelBefore, skillBefore: input.learner.skill },
      outputs: { level: levelAfter, skill: learner.skill },
    });
  }

  const answered = applied.length;
  const successRate = answered > 0 ? correctCount / answered : 0;
  const outcome: SessionOutcome = {
    answered,
    correct: correctCount,
    successRate: r6(successRate),
    flowAchieved: answered > 0 && successRate >= cfg.flow.low - 1e-9 && successRate <= cfg.flow.high + 1e-9,
    meanPredicted: answered > 0 ? r6(predictedSum / answered) : 0,
  };
  return { learner, items, reviews, outcome, firedRules, applied, ignored, modelVersion: ADAPTIVE_MODEL_VERSION };
}
