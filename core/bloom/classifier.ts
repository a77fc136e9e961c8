import { z } from 'zod';
import { analyseText, featuresOf, keywordMatches, keywordStemIndex, type KeywordMatch, type TextAnalysis } from './features.js';
import { buildKeywordIndex, type BloomKeywords, type KeywordIndex } from './keywords.js';
import { BLOOM_LEVELS, type BloomLevel } from './levels.js';
import type { QuestionForm } from './structure.js';
import { calibratedConfidence, calibrationVector, CALIBRATION_FEATURES, IDENTITY_CALIBRATION, softmaxT, type Calibration } from './calibration.js';

/**
 * The Bloom classifier: multinomial logistic regression over the named binary features of
 * features.ts. Scoring is a sum of a few dozen weight vectors and a softmax, so its cost is
 * dominated by the compromise parse in structure.ts.
 */

export const MODEL_FORMAT = 'learnloop-bloom-lr/1';

const levelVector = z.array(z.number()).length(BLOOM_LEVELS.length);

export const bloomModelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  /** `bloom-<yyyymmdd>-<hash of parameters>`; stored with every validation. */
  version: z.string().min(1),
  levels: z.tuple([
    z.literal('Remember'),
    z.literal('Understand'),
    z.literal('Apply'),
    z.literal('Analyze'),
    z.literal('Evaluate'),
    z.literal('Create'),
  ]),
  keywords: z.object({
    Remember: z.array(z.string()),
    Understand: z.array(z.string()),
    Apply: z.array(z.string()),
    Analyze: z.array(z.string()),
    Evaluate: z.array(z.string()),
    Create: z.array(z.string()),
  }),
  bias: levelVector,
  /**
   * Value of a present feature by family prefix ("w", "b", …); absent families count 1. Scaling a
   * family down makes the same L2 penalty shrink it harder, i.e. trust it less.
   */
  featureScale: z.record(z.string(), z.number()),
  /** Feature name → one weight per level, in `levels` order. */
  weights: z.record(z.string(), levelVector),
  /**
   * Fitted on leave-one-dataset-out predictions (calibration.ts). Optional so a model file from
   * before calibration still loads; it then scores with IDENTITY_CALIBRATION.
   */
  calibration: z
    .object({
      temperature: z.number().positive(),
      weights: z.array(z.number()).length(CALIBRATION_FEATURES.length),
      reviewMargin: z.number().min(0).max(1),
    })
    .optional(),
  /** What the model was trained on and how; informational, not used for scoring. */
  training: z.record(z.string(), z.unknown()),
});

export type BloomModel = z.infer<typeof bloomModelSchema>;

export interface ClassifierEvidence {
  questionForm: QuestionForm;
  governingVerb?: string;
  coordinatedVerbs: string[];
  otherVerbs: string[];
  /** e.g. "how would", "what is", "why not". */
  whPattern?: string;
  modals: string[];
  keywordMatches: KeywordMatch[];
  /** Features that pushed hardest towards the chosen level (weights are centred over levels). */
  topFeatures: { feature: string; weight: number }[];
  /** The three most probable levels. */
  topLevels: { level: BloomLevel; probability: number }[];
}

export interface BloomPrediction {
  level: BloomLevel;
  /** Temperature-scaled level probabilities. */
  probabilities: Record<BloomLevel, number>;
  /** Calibrated probability that `level` is right (calibration.ts). */
  confidence: number;
  /** The second most probable level and whether it is close enough to need a human look. */
  runnerUp: BloomLevel;
  needsReview: boolean;
  evidence: ClassifierEvidence;
}

interface CompiledModel {
  /** Weights already multiplied by the feature's family scale. */
  weights: Map<string, readonly number[]>;
  keywordIndex: KeywordIndex;
  stemIndex: ReadonlyMap<string, readonly BloomLevel[]>;
}

// Compiling (Map + keyword index) once per model object keeps predict() allocation-light; a
// WeakMap lets a replaced model be collected without anyone having to "unload" it.
const compiled = new WeakMap<BloomModel, CompiledModel>();

export function compileKeywords(keywords: BloomKeywords): Pick<CompiledModel, 'keywordIndex' | 'stemIndex'> {
  const keywordIndex = buildKeywordIndex(keywords);
  return { keywordIndex, stemIndex: keywordStemIndex(keywordIndex) };
}

function compile(model: BloomModel): CompiledModel {
  let c = compiled.get(model);
  if (c === undefined) {
    const weights = new Map<string, readonly number[]>();
    for (const [name, w] of Object.entries(model.weights)) {
      const scale = featureScaleOf(model.featureScale, name);
      weights.set(name, scale === 1 ? w : w.map((v) => v * scale));
    }
    c = { weights, ...compileKeywords(model.keywords) };
    compiled.set(model, c);
  }
  return c;
}

export function featureScaleOf(scales: Readonly<Record<string, number>>, feature: string): number {
  const colon = feature.indexOf(':');
  return scales[colon < 0 ? feature : feature.slice(0, colon)] ?? 1;
}

export function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function calibrationOf(model: BloomModel): Calibration {
  return model.calibration ?? IDENTITY_CALIBRATION;
}

export interface AnalysisScore {
  /** Raw level scores (logits), in `BLOOM_LEVELS` order. */
  scores: number[];
  /** Temperature-scaled probabilities. */
  probs: number[];
  features: string[];
  /** Share of the features the model has a weight for. */
  knownShare: number;
}

/** Scores already-analysed text (the evaluator reuses parses). */
export function scoreAnalysis(model: BloomModel, analysis: TextAnalysis): AnalysisScore {
  const c = compile(model);
  const features = featuresOf(analysis, c.keywordIndex, c.stemIndex);
  const scores = [...model.bias];
  let known = 0;
  for (const name of features) {
    const w = c.weights.get(name);
    if (w === undefined) continue;
    known += 1;
    for (let k = 0; k < scores.length; k += 1) scores[k]! += w[k]!;
  }
  const probs = softmaxT(scores, calibrationOf(model).temperature);
  return { scores, probs, features, knownShare: features.length === 0 ? 0 : known / features.length };
}

/** Listed keywords found in the text, under the model's keyword lists. */
export function keywordMatchesOf(model: BloomModel, analysis: TextAnalysis): KeywordMatch[] {
  const c = compile(model);
  return keywordMatches(analysis, c.keywordIndex, c.stemIndex);
}

/** Levels listed for the governing/coordinated verbs or words, used only under `level`. */
export function clearKeywordCount(matches: readonly KeywordMatch[], level: BloomLevel): number {
  return matches.filter((m) => m.levels.length === 1 && m.levels[0] === level).length;
}

/** Calibrated confidence and review flag for a scored analysis (shared by predict and eval). */
export function confidenceOf(
  model: BloomModel,
  analysis: TextAnalysis,
  scored: AnalysisScore,
  matches: readonly KeywordMatch[],
): { level: number; confidence: number; runnerUp: number; needsReview: boolean } {
  const cal = calibrationOf(model);
  const order = scored.probs.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const [top, second] = [order[0]!, order[1]!];
  const vector = calibrationVector({
    probs: scored.probs,
    clearKeywords: clearKeywordCount(matches, BLOOM_LEVELS[top[1]]!),
    knownShare: scored.knownShare,
    analysis,
  });
  return {
    level: top[1],
    confidence: calibratedConfidence(cal.weights, vector),
    runnerUp: second[1],
    needsReview: top[0] - second[0] < cal.reviewMargin,
  };
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) if (values[i]! > values[best]!) best = i;
  return best;
}

export function predictAnalysis(model: BloomModel, analysis: TextAnalysis): BloomPrediction {
  const c = compile(model);
  const scored = scoreAnalysis(model, analysis);
  const { probs, features } = scored;
  const matches = keywordMatches(analysis, c.keywordIndex, c.stemIndex);
  const calibrated = confidenceOf(model, analysis, scored, matches);
  const best = calibrated.level;
  const level = BLOOM_LEVELS[best]!;
  const contributions: { feature: string; weight: number }[] = [];
  for (const name of features) {
    const w = c.weights.get(name);
    if (w === undefined) continue;
    // Training centres every weight vector (mean 0 over levels), so w[best] already is the push
    // towards the chosen level relative to the others.
    const push = w[best]!;
    if (push > 0) contributions.push({ feature: name, weight: round(push, 3) });
  }
  contributions.sort((a, b) => b.weight - a.weight || a.feature.localeCompare(b.feature));
  const probabilities = Object.fromEntries(BLOOM_LEVELS.map((l, i) => [l, probs[i]!])) as Record<BloomLevel, number>;
  const topLevels = BLOOM_LEVELS.map((l, i) => ({ level: l, probability: round(probs[i]!, 4) }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, 3);
  const s = analysis.structure;
  return {
    level,
    probabilities,
    confidence: calibrated.confidence,
    runnerUp: BLOOM_LEVELS[calibrated.runnerUp]!,
    needsReview: calibrated.needsReview,
    evidence: {
      questionForm: s.form,
      governingVerb: s.governingVerb,
      coordinatedVerbs: s.coordinatedVerbs,
      otherVerbs: s.otherVerbs,
      whPattern: s.whWord === undefined ? undefined : [s.whWord, s.whNext].filter(Boolean).join(' '),
      modals: s.modals,
      keywordMatches: matches,
      topFeatures: contributions.slice(0, 6),
      topLevels,
    },
  };
}

/** Classifies one question or learning objective. */
export function predict(model: BloomModel, text: string): BloomPrediction {
  return predictAnalysis(model, analyseText(text));
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
