import { z } from 'zod';
import { BLOOM_LEVELS, KNOWLEDGE_DIMENSIONS } from './levels.js';
import { RULE_IDS } from './rules.js';

/**
 * The result of validating one question. `evidence` says why: which verbs and patterns the
 * classifier read, which features pushed hardest, the class probabilities, every complexity term,
 * every confidence bonus and every rule with its issues. Fields may be added, never renamed
 * (stored validations and the HTTP contract depend on them).
 */

const level = z.enum(BLOOM_LEVELS);
const unit = z.number().min(0).max(1);

export const bloomEvidenceSchema = z.object({
  classifier: z.object({
    questionForm: z.string(),
    governingVerb: z.string().optional(),
    coordinatedVerbs: z.array(z.string()),
    otherVerbs: z.array(z.string()),
    whPattern: z.string().optional(),
    modals: z.array(z.string()),
    keywordMatches: z.array(z.object({ word: z.string(), levels: z.array(level), governing: z.boolean() })),
    topFeatures: z.array(z.object({ feature: z.string(), weight: z.number() })),
    topLevels: z.array(z.object({ level, probability: unit })),
  }),
  probabilities: z.record(level, unit),
  knowledgeDimension: z.object({
    cues: z.array(z.string()),
    scores: z.record(z.enum(KNOWLEDGE_DIMENSIONS), z.number()),
  }),
  complexity: z.object({
    terms: z.object({
      wordCount: unit,
      conceptCount: unit,
      relationshipComplexity: unit,
      abstractionLevel: unit,
      problemComplexity: unit,
    }),
    counts: z.object({
      words: z.number().int().nonnegative(),
      concepts: z.number().int().nonnegative(),
      relations: z.number().int().nonnegative(),
      abstractNouns: z.number().int().nonnegative(),
      parts: z.number().int().nonnegative(),
      constraints: z.number().int().nonnegative(),
    }),
  }),
  confidence: z.object({
    /** How `confidence` was computed: "calibrated" (calibration.ts) since the model carries one. */
    method: z.enum(['calibrated', 'seed-formula']).optional(),
    /** The seed formula's value (documented base + bonuses), kept for comparison. */
    seedValue: unit.optional(),
    base: unit,
    classifierProbability: unit,
    clearKeywords: z.array(z.string()),
    bonuses: z.object({ keywords: unit, questionTypeAlignment: unit, learningObjective: unit, lowAmbiguity: unit }),
  }),
  rules: z.array(
    z.object({
      id: z.enum(RULE_IDS as [string, ...string[]]),
      weight: unit,
      score: unit,
      passed: z.boolean(),
      issues: z.array(z.object({ code: z.string(), message: z.string() })),
    }),
  ),
  /** Why the result is (not) marked for review: the top two levels and their probability gap. */
  review: z
    .object({ needsReview: z.boolean(), runnerUpLevel: level, margin: unit, threshold: unit })
    .optional(),
  /** The classifier's reading of the learning objective, when one was given. */
  objectiveLevel: level.optional(),
  /** The level the author meant (questionInput.intendedLevel), when given, and whether `level` is it. */
  intendedLevel: level.optional(),
  agreesWithIntended: z.boolean().optional(),
  passThreshold: unit,
});

export const bloomScoreSchema = z.object({
  level,
  knowledgeDimension: z.enum(KNOWLEDGE_DIMENSIONS),
  complexity: unit,
  confidence: unit,
  qualityScore: unit,
  passed: z.boolean(),
  suggestions: z.array(z.string()),
  evidence: bloomEvidenceSchema,
  modelVersion: z.string().min(1),
  /**
   * The top two levels are close: a person should confirm the level. Optional because
   * validations stored before it existed lack it (they read as not marked).
   */
  needsReview: z.boolean().optional(),
  /** The second most likely level, offered with needsReview. */
  runnerUpLevel: level.optional(),
});

export type BloomEvidence = z.infer<typeof bloomEvidenceSchema>;
export type BloomScore = z.infer<typeof bloomScoreSchema>;
