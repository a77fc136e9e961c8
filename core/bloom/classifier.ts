import { z } from 'zod';
import { analyseText, featuresOf, keywordMatches, keywordStemIndex, type KeywordMatch, type TextAnalysis } from './features.js';
import { buildKeywordIndex, type BloomKeywords, type KeywordIndex } from './keywords.js';
import { BLOOM_LEVELS, type BloomLevel } from './levels.js';
import type { QuestionForm } from './structure.js';

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
  probabilities: Record<BloomLevel, number>;
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

/** Probabilities in `BLOOM_LEVELS` order for already-analysed text (the evaluator reuses parses). */
export function scoreAnalysis(model: BloomModel, analysis: TextAnalysis): { probs: number[]; features: string[] } {
  const c = compile(model);
  const features = featuresOf(analysis, c.keywordIndex, c.stemIndex);
  const scores = [...model.bias];
  for (const name of features) {
    const w = c.weights.get(name);
    if (w === undefined) continue;
    for (let k = 0; k < scores.length; k += 1) scores[k]! += w[k]!;
  }
  return { probs: softmax(scores), features };
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) if (values[i]! > values[best]!) best = i;
  return best;
}

export function predictAnalysis(model: BloomModel, analysis: TextAnalysis): BloomPrediction {
  const c = compile(model);
  const { probs, features } = scoreAnalysis(model, analysis);
  const best = argmax(probs);
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
    evidence: {
      questionForm: s.form,
      governingVerb: s.governingVerb,
      coordinatedVerbs: s.coordinatedVerbs,
      otherVerbs: s.otherVerbs,
      whPattern: s.whWord === undefined ? undefined : [s.whWord, s.whNext].filter(Boolean).join(' '),
      modals: s.modals,
      keywordMatches: keywordMatches(analysis, c.keywordIndex, c.stemIndex),
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
