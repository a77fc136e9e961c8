import { sigmoid } from './calibration.js';

/**
 * Per-bank correction of `confidence`, fitted on the bank's own labelled questions.
 *
 * Why: held out, the validator's calibration error is mostly a per-source shift that no question
 * feature predicts (README, Bloom validator: edm2022 is right 71% of the time at mean confidence
 * 0.60, shelin_os is over-confident). A bank whose author has labelled some questions
 * (`intendedLevel`) tells us its own shift: the correction moves the calibrated confidence's logit,
 *
 *   confidence' = σ(slope · logit(confidence) + shift),
 *
 * fitted by maximum a posteriori on (confidence, agreed) pairs with Gaussian priors shift ~ N(0,
 * shiftPriorSd²) and slope ~ N(1, slopePriorSd²), so a handful of labels moves it only a little and
 * no labels leave it at the identity. The level, its probabilities and `needsReview` never change —
 * only the confidence. Pure and deterministic (Newton's method on a strictly convex posterior).
 */

export interface BankCalibrationOptions {
  /** Prior standard deviation of the logit shift (0 = never move). */
  shiftPriorSd: number;
  /** Prior standard deviation of the slope around 1; 0 fits the shift alone (one parameter). */
  slopePriorSd: number;
  /**
   * Keep the identity unless the fitted shift is at least this many posterior standard deviations
   * from 0 (0 = always apply the MAP fit).
   */
  minEvidence?: number;
}

/**
 * The variant `eval:bloom` reports first: a one-parameter shift with prior sd 1 (the in-sample
 * per-source shifts are −0.34…+0.58 in logit units). Measured only, NOT applied at run time: it
 * takes edm2022 from ECE 0.119 to 0.051 with 50 of its labels, but leaves yahya2012 where it was
 * (no shift can fix it: fitted on all its rows, 0.074) and makes the two textbook sets slightly
 * worse (README, Bloom validator, bank calibration).
 */
export const BANK_CALIBRATION: BankCalibrationOptions = {
  shiftPriorSd: 1,
  slopePriorSd: 0,
};

export interface BankCalibrationFit {
  /** Labelled pairs the fit saw. */
  labelled: number;
  shift: number;
  slope: number;
  /** Posterior standard deviation of the shift (Laplace approximation). */
  shiftSd: number;
}

export interface LabelledConfidence {
  confidence: number;
  correct: boolean;
}

const EPS = 1e-4;

function logit(p: number): number {
  const c = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(c / (1 - c));
}

export function fitBankCalibration(
  pairs: readonly LabelledConfidence[],
  options: BankCalibrationOptions = BANK_CALIBRATION,
): BankCalibrationFit {
  const n = pairs.length;
  if (n === 0 || options.shiftPriorSd <= 0) return { labelled: n, shift: 0, slope: 1, shiftSd: Math.max(0, options.shiftPriorSd) };
  const twoParam = options.slopePriorSd > 0;
  const precA = 1 / options.shiftPriorSd ** 2;
  const precB = twoParam ? 1 / options.slopePriorSd ** 2 : 0;
  const l = pairs.map((p) => logit(p.confidence));
  const y = pairs.map((p) => (p.correct ? 1 : 0));
  const loss = (a: number, b: number): number => {
    let s = 0.5 * precA * a * a + 0.5 * precB * (b - 1) ** 2;
    for (let i = 0; i < n; i += 1) {
      const z = b * l[i]! + a;
      // −log σ(z) = log(1 + e^−z), computed stably.
      const nll = (t: number): number => (t > 0 ? Math.log1p(Math.exp(-t)) : -t + Math.log1p(Math.exp(t)));
      s += y[i] ? nll(z) : nll(-z);
    }
    return s;
  };
  let a = 0;
  let b = 1;
  let f = loss(a, b);
  let shiftVar = options.shiftPriorSd ** 2;
  for (let iter = 0; iter < 50; iter += 1) {
    let ga = precA * a;
    let gb = precB * (b - 1);
    let haa = precA;
    let hab = 0;
    let hbb = precB;
    for (let i = 0; i < n; i += 1) {
      const p = sigmoid(b * l[i]! + a);
      const r = p - y[i]!;
      const w = p * (1 - p);
      ga += r;
      haa += w;
      if (twoParam) {
        gb += r * l[i]!;
        hab += w * l[i]!;
        hbb += w * l[i]! * l[i]!;
      }
    }
    let da: number;
    let db: number;
    if (twoParam) {
      const det = haa * hbb - hab * hab;
      da = (hbb * ga - hab * gb) / det;
      db = (haa * gb - hab * ga) / det;
      shiftVar = hbb / det;
    } else {
      da = ga / haa;
      db = 0;
      shiftVar = 1 / haa;
    }
    // Backtracking keeps every step a descent step (Newton can overshoot on separable data).
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > f && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    a -= step * da;
    b -= step * db;
    const done = Math.abs(f - next) < 1e-12 * Math.max(1, Math.abs(f));
    f = next;
    if (done) break;
  }
  const shiftSd = Math.sqrt(shiftVar);
  if (Math.abs(a) < (options.minEvidence ?? 0) * shiftSd) return { labelled: n, shift: 0, slope: 1, shiftSd: round5(shiftSd) };
  return { labelled: n, shift: round5(a), slope: round5(b), shiftSd: round5(shiftSd) };
}

export function applyBankCalibration(confidence: number, fit: Pick<BankCalibrationFit, 'shift' | 'slope'>): number {
  return sigmoid(fit.slope * logit(confidence) + fit.shift);
}

function round5(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}
