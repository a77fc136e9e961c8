import { typeFitsLevel } from './assessment-fit.js';
import type { KeywordMatch } from './features.js';
import type { BloomLevel, QuestionType } from './levels.js';

/**
 * Confidence that the assigned level is right, 0..1.
 *
 *   base      = 0.25 + 0.25 · p(top level)        the classifier's own probability is half the base,
 *                                                 so rule bonuses cannot fully mask an unsure model
 *   + 0.05    per clear keyword match, at most 3  (a listed verb whose ONLY listed level is the
 *                                                 assigned one; the cap keeps long texts with many
 *                                                 verbs from buying confidence)
 *   + 0.15    question-type alignment             (the type can assess this level; TYPE_LEVEL_FIT)
 *   + 0.10    learning objective present
 *   + 0.10    low ambiguity                       (top probability beats the runner-up by ≥ 0.25)
 *   capped at 1.
 */

export const CONFIDENCE = {
  baseFixed: 0.25,
  baseFromProbability: 0.25,
  perClearKeyword: 0.05,
  maxClearKeywords: 3,
  questionTypeAlignment: 0.15,
  learningObjective: 0.1,
  lowAmbiguity: 0.1,
  lowAmbiguityMargin: 0.25,
} as const;

export interface ConfidenceInput {
  level: BloomLevel;
  /** Probability of the assigned level and of the runner-up. */
  topProbability: number;
  secondProbability: number;
  keywordMatches: readonly KeywordMatch[];
  questionType: QuestionType;
  learningObjective?: string;
}

export interface ConfidenceResult {
  value: number;
  base: number;
  clearKeywords: string[];
  bonuses: { keywords: number; questionTypeAlignment: number; learningObjective: number; lowAmbiguity: number };
}

export function computeConfidence(input: ConfidenceInput): ConfidenceResult {
  const base = CONFIDENCE.baseFixed + CONFIDENCE.baseFromProbability * input.topProbability;
  const clearKeywords = input.keywordMatches
    .filter((m) => m.levels.length === 1 && m.levels[0] === input.level)
    .map((m) => m.word);
  const bonuses = {
    keywords: CONFIDENCE.perClearKeyword * Math.min(clearKeywords.length, CONFIDENCE.maxClearKeywords),
    questionTypeAlignment: typeFitsLevel(input.questionType, input.level) ? CONFIDENCE.questionTypeAlignment : 0,
    learningObjective: (input.learningObjective ?? '').trim() !== '' ? CONFIDENCE.learningObjective : 0,
    lowAmbiguity: input.topProbability - input.secondProbability >= CONFIDENCE.lowAmbiguityMargin ? CONFIDENCE.lowAmbiguity : 0,
  };
  const total = base + bonuses.keywords + bonuses.questionTypeAlignment + bonuses.learningObjective + bonuses.lowAmbiguity;
  return {
    value: Math.round(Math.min(1, total) * 10_000) / 10_000,
    base: Math.round(base * 10_000) / 10_000,
    clearKeywords,
    bonuses,
  };
}
