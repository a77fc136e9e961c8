import {
  clearKeywordCount,
  keywordMatchesOf,
  scoreAnalysis,
  type BloomModel,
} from './classifier.js';
import {
  CALIBRATION_SOURCE_BALANCE,
  calibratedConfidence,
  calibrationVector,
  fitConfidenceModel,
  fitTemperature,
  softmaxT,
  type Calibration,
} from './calibration.js';
import { BLOOM_LEVELS, levelIndex } from './levels.js';
import { trainAnalysed, type AnalysedRow, type TrainOptions } from './train.js';

/**
 * Leave-one-dataset-out machinery shared by training (which fits the shipped calibration on it)
 * and evaluation (which measures it). Pure: rows in, predictions out.
 */

/** One row scored by a model that did not see the row's source. */
export interface OutOfSourceRow {
  row: AnalysedRow;
  truth: number;
  /** Raw level scores (logits), before any temperature. */
  scores: number[];
  knownShare: number;
  /** Clear keyword count per level (the calibrator needs the one of whichever level wins). */
  clearKeywords: number[];
}

export function sourcesOf(rows: readonly AnalysedRow[]): string[] {
  return [...new Set(rows.map((r) => r.source ?? ''))].sort();
}

export function scoreRows(model: BloomModel, rows: readonly AnalysedRow[]): OutOfSourceRow[] {
  return rows.map((row) => {
    const s = scoreAnalysis(model, row.analysis);
    const matches = keywordMatchesOf(model, row.analysis);
    return {
      row,
      truth: levelIndex(row.level),
      scores: s.scores,
      knownShare: s.knownShare,
      clearKeywords: BLOOM_LEVELS.map((l) => clearKeywordCount(matches, l)),
    };
  });
}

/**
 * Trains once per source without it and scores that source: every row scored out of source.
 * `trainOnly` rows (the question-stem prior) join every training set and are never tested.
 */
export function leaveOneSourceOut(
  rows: readonly AnalysedRow[],
  options: TrainOptions,
  trainOnly: readonly AnalysedRow[] = [],
  onSource?: (source: string, model: BloomModel) => void,
): OutOfSourceRow[] {
  const out: OutOfSourceRow[] = [];
  for (const source of sourcesOf(rows)) {
    const model = trainAnalysed(
      [...rows.filter((r) => (r.source ?? '') !== source), ...trainOnly],
      options,
    );
    onSource?.(source, model);
    out.push(...scoreRows(model, rows.filter((r) => (r.source ?? '') === source)));
  }
  return out;
}

function vectorOf(r: OutOfSourceRow, temperature: number): { vector: number[]; top: number; probs: number[] } {
  const probs = softmaxT(r.scores, temperature);
  let top = 0;
  for (let k = 1; k < probs.length; k += 1) if (probs[k]! > probs[top]!) top = k;
  return {
    vector: calibrationVector({ probs, clearKeywords: r.clearKeywords[top]!, knownShare: r.knownShare, analysis: r.row.analysis }),
    top,
    probs,
  };
}

export const DEFAULT_REVIEW_MARGIN = 0.1;

/**
 * Fits temperature and the confidence model on out-of-source rows, each source weighted by
 * n^sourceBalance (CALIBRATION_SOURCE_BALANCE unless an experiment asks otherwise).
 */
export function fitCalibration(
  rows: readonly OutOfSourceRow[],
  reviewMargin = DEFAULT_REVIEW_MARGIN,
  sourceBalance = CALIBRATION_SOURCE_BALANCE,
): Calibration {
  const sources = rows.map((r) => r.row.source ?? '');
  const temperature =
    Math.round(fitTemperature(rows.map((r) => ({ scores: r.scores, truth: r.truth, source: r.row.source ?? '' })), sourceBalance) * 1e5) / 1e5;
  const fitted = rows.map((r) => vectorOf(r, temperature));
  const weights = fitConfidenceModel(
    fitted.map((f) => f.vector),
    fitted.map((f, i) => f.top === rows[i]!.truth),
    sources,
    undefined,
    sourceBalance,
  );
  return { temperature, weights, reviewMargin };
}

export interface CalibratedPrediction {
  truth: number;
  pred: number;
  runnerUp: number;
  confidence: number;
  needsReview: boolean;
  source: string;
}

/** Applies a calibration to scored rows, exactly as `predictAnalysis` does for one question. */
export function applyCalibration(rows: readonly OutOfSourceRow[], cal: Calibration): CalibratedPrediction[] {
  return rows.map((r) => {
    const { vector, top, probs } = vectorOf(r, cal.temperature);
    let runnerUp = top === 0 ? 1 : 0;
    for (let k = 0; k < probs.length; k += 1) if (k !== top && probs[k]! > probs[runnerUp]!) runnerUp = k;
    return {
      truth: r.truth,
      pred: top,
      runnerUp,
      confidence: calibratedConfidence(cal.weights, vector),
      needsReview: probs[top]! - probs[runnerUp]! < cal.reviewMargin,
      source: r.row.source ?? '',
    };
  });
}
