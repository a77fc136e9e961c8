/**
 * How well predicted success probabilities match the answers (one prediction per answered pick).
 *
 * - log-loss: mean of −[y·ln p + (1 − y)·ln(1 − p)], p clamped to [1e-6, 1 − 1e-6];
 * - Brier: mean of (p − y)²;
 * - ECE (expected calibration error, Naeini et al. 2015) with 10 equal-width bins on p
 *   ([0, 0.1), …, [0.9, 1.0]): Σ_bins (n_bin / n) · |mean p − mean y|;
 * - AUC: probability that a random right answer was predicted higher than a random wrong one
 *   (Mann–Whitney, ties count ½); null when only one class is present.
 * Every figure is null for an empty sample. `bins` carries the per-bin counts and sums, so daily
 * figures can be merged exactly (ECE, log-loss and Brier; AUC needs the raw pairs and is merged
 * from its histogram of 100 probability buckets instead, see mergeCalibration).
 */

export interface Prediction {
  p: number;
  correct: boolean;
}

export interface CalibrationBin {
  n: number;
  sumP: number;
  correct: number;
}

/** Mergeable sufficient statistics of a sample of predictions. */
export interface CalibrationStats {
  n: number;
  correct: number;
  sumLogLoss: number;
  sumBrier: number;
  /** 10 ECE bins. */
  bins: CalibrationBin[];
  /** 100 buckets of p, right and wrong counts, for the AUC. */
  auc: { right: number[]; wrong: number[] };
}

export interface CalibrationReport {
  n: number;
  observed: number | null;
  meanPredicted: number | null;
  logLoss: number | null;
  brier: number | null;
  ece: number | null;
  auc: number | null;
}

const clampP = (p: number): number => Math.min(1 - 1e-6, Math.max(1e-6, p));
const bucket = (p: number, count: number): number => Math.min(count - 1, Math.max(0, Math.floor(p * count)));

export function emptyCalibrationStats(): CalibrationStats {
  return {
    n: 0,
    correct: 0,
    sumLogLoss: 0,
    sumBrier: 0,
    bins: Array.from({ length: 10 }, () => ({ n: 0, sumP: 0, correct: 0 })),
    auc: { right: new Array<number>(100).fill(0), wrong: new Array<number>(100).fill(0) },
  };
}

export function addPrediction(stats: CalibrationStats, prediction: Prediction): void {
  const p = clampP(prediction.p);
  const y = prediction.correct ? 1 : 0;
  stats.n += 1;
  stats.correct += y;
  stats.sumLogLoss += -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
  stats.sumBrier += (p - y) ** 2;
  const bin = stats.bins[bucket(p, 10)] as CalibrationBin;
  bin.n += 1;
  bin.sumP += p;
  bin.correct += y;
  (prediction.correct ? stats.auc.right : stats.auc.wrong)[bucket(p, 100)] += 1;
}

export function calibrationStats(predictions: Iterable<Prediction>): CalibrationStats {
  const stats = emptyCalibrationStats();
  for (const p of predictions) addPrediction(stats, p);
  return stats;
}

export function mergeCalibration(a: CalibrationStats, b: CalibrationStats): CalibrationStats {
  return {
    n: a.n + b.n,
    correct: a.correct + b.correct,
    sumLogLoss: a.sumLogLoss + b.sumLogLoss,
    sumBrier: a.sumBrier + b.sumBrier,
    bins: a.bins.map((x, i) => {
      const y = b.bins[i] as CalibrationBin;
      return { n: x.n + y.n, sumP: x.sumP + y.sumP, correct: x.correct + y.correct };
    }),
    auc: {
      right: a.auc.right.map((x, i) => x + (b.auc.right[i] ?? 0)),
      wrong: a.auc.wrong.map((x, i) => x + (b.auc.wrong[i] ?? 0)),
    },
  };
}

/** AUC from bucketed counts: pairs in the same bucket count as ties. */
function aucFrom(right: readonly number[], wrong: readonly number[]): number | null {
  const nr = right.reduce((s, x) => s + x, 0);
  const nw = wrong.reduce((s, x) => s + x, 0);
  if (nr === 0 || nw === 0) return null;
  let wrongBelow = 0;
  let wins = 0;
  for (let i = 0; i < right.length; i += 1) {
    const r = right[i] ?? 0;
    const w = wrong[i] ?? 0;
    wins += r * (wrongBelow + w / 2);
    wrongBelow += w;
  }
  return wins / (nr * nw);
}

export function calibrationReport(stats: CalibrationStats): CalibrationReport {
  if (stats.n === 0) return { n: 0, observed: null, meanPredicted: null, logLoss: null, brier: null, ece: null, auc: null };
  let ece = 0;
  let sumP = 0;
  for (const bin of stats.bins) {
    sumP += bin.sumP;
    if (bin.n > 0) ece += (bin.n / stats.n) * Math.abs(bin.sumP / bin.n - bin.correct / bin.n);
  }
  return {
    n: stats.n,
    observed: stats.correct / stats.n,
    meanPredicted: sumP / stats.n,
    logLoss: stats.sumLogLoss / stats.n,
    brier: stats.sumBrier / stats.n,
    ece,
    auc: aucFrom(stats.auc.right, stats.auc.wrong),
  };
}

/** One of 100 equal-width buckets of p with its counts and sums (as a SQL GROUP BY yields them). */
export interface CalibrationBucket {
  bucket: number;
  n: number;
  sumP: number;
  correct: number;
  sumLogLoss: number;
  sumBrier: number;
}

/** Rebuilds the mergeable statistics from 100-bucket aggregates (ECE bins are 10 buckets each). */
export function statsFromBuckets(buckets: Iterable<CalibrationBucket>): CalibrationStats {
  const stats = emptyCalibrationStats();
  for (const b of buckets) {
    const i = Math.min(99, Math.max(0, Math.floor(b.bucket)));
    stats.n += b.n;
    stats.correct += b.correct;
    stats.sumLogLoss += b.sumLogLoss;
    stats.sumBrier += b.sumBrier;
    const bin = stats.bins[Math.floor(i / 10)] as CalibrationBin;
    bin.n += b.n;
    bin.sumP += b.sumP;
    bin.correct += b.correct;
    (stats.auc.right[i] as number) += b.correct;
    (stats.auc.wrong[i] as number) += b.n - b.correct;
  }
  return stats;
}
