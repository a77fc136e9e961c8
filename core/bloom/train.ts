import { createHash } from 'node:crypto';
import { compileKeywords, featureScaleOf, MODEL_FORMAT, round, type BloomModel } from './classifier.js';
import { analyseText, featuresOf, type TextAnalysis } from './features.js';
import { DEFAULT_BLOOM_KEYWORDS, mergeKeywords } from './keywords.js';
import { BLOOM_LEVELS, levelIndex, type BloomLevel } from './levels.js';
import { minimize } from './lbfgs.js';
import type { Calibration } from './calibration.js';

/**
 * Training: weighted, L2-regularised multinomial logistic regression fitted with L-BFGS.
 *
 * Why these weights: the sources differ wildly in size (18.7k learning objectives vs a few hundred
 * exam questions) and in class balance. Left alone, the largest source's conventions would decide
 * every verb. Each source's total weight is made proportional to n^sourceBalance (0.5 = square
 * root: a 30× larger source gets ~5.5× the say, not 30×), and within a source each level's weight
 * is scaled by (n / (levels·n_level))^classBalance so rare levels are not ignored.
 */

export interface TrainingRow {
  text: string;
  level: BloomLevel;
  /** Which file/source the row came from; drives per-source weighting. */
  source?: string;
  /** Extra multiplier for this row. */
  weight?: number;
}

export interface WeightAdjustments {
  /** Multiplier per source name (after balancing). */
  sources?: Record<string, number>;
  /** Multiplier per level (after balancing). */
  levels?: Partial<Record<BloomLevel, number>>;
}

export interface TrainOptions {
  /** Keywords added to DEFAULT_BLOOM_KEYWORDS before training. */
  keywords?: Partial<Record<BloomLevel, string[]>>;
  weights?: WeightAdjustments;
  /** L2 penalty per unit of (mean-1) example weight. */
  l2?: number;
  sourceBalance?: number;
  classBalance?: number;
  /** A feature must occur in at least this many training rows to get a weight. */
  minCount?: number;
  /** Weights whose largest |value| is below this are dropped from the saved model. */
  pruneBelow?: number;
  maxIterations?: number;
  /** Feature value per family prefix (see BloomModel.featureScale). */
  featureScale?: Record<string, number>;
  /** Confidence calibration fitted out of source (cross-fit.ts); part of the version hash. */
  calibration?: Calibration;
  /** yyyymmdd for the version string; the caller decides (the CLI uses the newest input file date). */
  trainedOn?: string;
}

/**
 * Chosen with cli/bloom-eval.ts on the four shared sources. l2 trades within-source accuracy
 * (prefers ≤ 0.003) against accuracy on unseen sources (prefers ≥ 0.01); 0.005 keeps both above
 * their floors. The balance exponents moved results by at most ±2 points over 0.25–1, so they are
 * settled values rather than a sharp optimum.
 */
export const DEFAULT_TRAIN_OPTIONS = {
  l2: 0.005,
  sourceBalance: 0.5,
  classBalance: 0.5,
  minCount: 2,
  pruneBelow: 0.02,
  maxIterations: 300,
  // Bag-of-words features are plentiful and source-specific; halving their value makes the L2
  // penalty lean on them harder, so the transferable structural features carry more weight.
  featureScale: { w: 0.5, b: 0.5 } as Record<string, number>,
};

export interface AnalysedRow extends TrainingRow {
  analysis: TextAnalysis;
}

export function analyseRows(rows: readonly TrainingRow[]): AnalysedRow[] {
  return rows.map((r) => ({ ...r, analysis: analyseText(r.text) }));
}

/** Trains a model from labelled rows. Pure: same rows and options → same model and version. */
export function train(rows: readonly TrainingRow[], options: TrainOptions = {}): BloomModel {
  return trainAnalysed(analyseRows(rows), options);
}

function rowWeights(rows: readonly AnalysedRow[], opts: Required<Pick<TrainOptions, 'sourceBalance' | 'classBalance'>>, adj?: WeightAdjustments): Float64Array {
  const bySource = new Map<string, { n: number; perLevel: number[] }>();
  for (const r of rows) {
    const key = r.source ?? '';
    const s = bySource.get(key) ?? { n: 0, perLevel: new Array<number>(BLOOM_LEVELS.length).fill(0) };
    s.n += 1;
    s.perLevel[levelIndex(r.level)]! += 1;
    bySource.set(key, s);
  }
  const w = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    const s = bySource.get(r.source ?? '')!;
    const present = s.perLevel.filter((c) => c > 0).length;
    const classFactor = (s.n / (present * s.perLevel[levelIndex(r.level)]!)) ** opts.classBalance;
    // Per-row share so that the source's total is ∝ n^sourceBalance.
    const sourceFactor = s.n ** opts.sourceBalance / s.n;
    w[i] = classFactor * sourceFactor * (adj?.sources?.[r.source ?? ''] ?? 1) * (adj?.levels?.[r.level] ?? 1) * (r.weight ?? 1);
  });
  // Rescale to mean 1 so l2 means the same whatever the mix of sources.
  const mean = w.reduce((a, b) => a + b, 0) / Math.max(1, w.length);
  for (let i = 0; i < w.length; i += 1) w[i] = w[i]! / mean;
  return w;
}

export function trainAnalysed(input: readonly AnalysedRow[], options: TrainOptions = {}): BloomModel {
  if (input.length === 0) throw new Error('bloom train: no training rows');
  // Canonical row order: floating-point sums depend on order, and the version hash must not.
  const rows = [...input].sort(
    (a, b) => cmp(a.source ?? '', b.source ?? '') || cmp(a.text, b.text) || cmp(a.level, b.level) || (a.weight ?? 1) - (b.weight ?? 1),
  );
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...stripUndefined(options) };
  const keywords = mergeKeywords(DEFAULT_BLOOM_KEYWORDS, options.keywords);
  const { keywordIndex, stemIndex } = compileKeywords(keywords);
  const K = BLOOM_LEVELS.length;

  const rowFeatures = rows.map((r) => featuresOf(r.analysis, keywordIndex, stemIndex));
  const counts = new Map<string, number>();
  for (const fs of rowFeatures) for (const f of fs) counts.set(f, (counts.get(f) ?? 0) + 1);
  // Sorted vocabulary: the feature order (and so the optimiser's arithmetic) must not depend on
  // row order or Map insertion order, or the same data could give a different version hash.
  const vocab = [...counts].filter(([, c]) => c >= opts.minCount).map(([f]) => f).sort();
  const id = new Map(vocab.map((f, i) => [f, i]));
  const X = rowFeatures.map((fs) => Int32Array.from(fs.map((f) => id.get(f) ?? -1).filter((i) => i >= 0)));
  const scaleOf = Float64Array.from(vocab, (f) => featureScaleOf(opts.featureScale, f));
  const y = Int32Array.from(rows.map((r) => levelIndex(r.level)));
  const w = rowWeights(rows, opts, options.weights);
  const totalWeight = w.reduce((a, b) => a + b, 0);
  const F = vocab.length;
  const dim = (F + 1) * K; // last K entries are the biases
  const scores = new Float64Array(K);

  const objective = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < X.length; i += 1) {
      const xi = X[i]!;
      for (let k = 0; k < K; k += 1) scores[k] = theta[F * K + k]!;
      for (let j = 0; j < xi.length; j += 1) {
        const base = xi[j]! * K;
        const v = scaleOf[xi[j]!]!;
        for (let k = 0; k < K; k += 1) scores[k]! += v * theta[base + k]!;
      }
      let max = -Infinity;
      for (let k = 0; k < K; k += 1) if (scores[k]! > max) max = scores[k]!;
      let sum = 0;
      for (let k = 0; k < K; k += 1) {
        scores[k] = Math.exp(scores[k]! - max);
        sum += scores[k]!;
      }
      const wi = w[i]! / totalWeight;
      loss -= wi * Math.log(scores[y[i]!]! / sum);
      for (let k = 0; k < K; k += 1) {
        const d = wi * (scores[k]! / sum - (k === y[i] ? 1 : 0));
        grad[F * K + k]! += d;
        for (let j = 0; j < xi.length; j += 1) grad[xi[j]! * K + k]! += d * scaleOf[xi[j]!]!;
      }
    }
    for (let j = 0; j < F * K; j += 1) {
      loss += 0.5 * opts.l2 * theta[j]! * theta[j]!;
      grad[j]! += opts.l2 * theta[j]!;
    }
    return loss;
  };

  const { x: theta, iterations, value } = minimize(objective, new Float64Array(dim), {
    maxIterations: opts.maxIterations,
    tolerance: 1e-7,
    memory: 10,
  });

  const weights: Record<string, number[]> = {};
  for (let f = 0; f < F; f += 1) {
    const vec: number[] = [];
    let mean = 0;
    for (let k = 0; k < K; k += 1) mean += theta[f * K + k]! / K;
    // Softmax ignores a constant added to all levels, so centring loses nothing and makes
    // "weight towards level k" readable in evidence.
    for (let k = 0; k < K; k += 1) vec.push(round(theta[f * K + k]! - mean, 4));
    // Prune on the effective weight (weight × family scale): that is what moves a score.
    if (Math.max(...vec.map(Math.abs)) * scaleOf[f]! >= opts.pruneBelow) weights[vocab[f]!] = vec;
  }
  const biasMean = Array.from({ length: K }, (_, k) => theta[F * K + k]!).reduce((a, b) => a + b, 0) / K;
  const bias = Array.from({ length: K }, (_, k) => round(theta[F * K + k]! - biasMean, 4));

  const sources: Record<string, number> = {};
  for (const r of rows) sources[r.source ?? ''] = (sources[r.source ?? ''] ?? 0) + 1;
  const training = {
    rows: rows.length,
    sources: Object.fromEntries(Object.entries(sources).sort()),
    options: {
      l2: opts.l2,
      sourceBalance: opts.sourceBalance,
      classBalance: opts.classBalance,
      minCount: opts.minCount,
      pruneBelow: opts.pruneBelow,
      featureScale: opts.featureScale,
      weights: options.weights ?? {},
    },
    features: { seen: counts.size, fitted: F, kept: Object.keys(weights).length },
    optimiser: { method: 'L-BFGS', iterations, objective: round(value, 6) },
  };
  const trainedOn = options.trainedOn ?? '00000000';
  const hash = createHash('sha256')
    .update(JSON.stringify({ keywords, bias, featureScale: opts.featureScale, weights, format: MODEL_FORMAT, calibration: options.calibration ?? null }))
    .digest('hex')
    .slice(0, 8);
  return {
    format: MODEL_FORMAT,
    version: `bloom-${trainedOn}-${hash}`,
    levels: [...BLOOM_LEVELS] as BloomModel['levels'],
    keywords,
    bias,
    featureScale: opts.featureScale,
    weights,
    ...(options.calibration === undefined ? {} : { calibration: options.calibration }),
    training,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
