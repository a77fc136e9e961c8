/**
 * The learner's skill and the items' difficulties as Gaussian beliefs updated by answers: a
 * one-dimensional Kalman filter with a logistic observation (the Laplace / extended-Kalman step),
 * with process noise on the learner so that its uncertainty grows back while the learner changes
 * (in the manner of Glicko's rating deviation, Glickman 1999). Replaces Pelánek's K(n) = α/(1+βn)
 * for the learner: K(n) shrinks towards 0 whatever happens, so a learner who grows is left behind.
 *
 * Model. One answer y ∈ {0, 1} to a question with guessing g:
 *   P(y = 1) = g + (1 − g)·σ(θ − d)                     (Pelánek 2016, elo.ts)
 * Belief θ ~ N(m, v). Derivation of the update (one Newton step of the log-posterior at m):
 *   ℓ(θ) = y·ln P + (1 − y)·ln(1 − P)
 *   ℓ'(m) = (y − P)·h / (P(1 − P)),     h = dP/dθ = (1 − g)·σ(1 − σ)
 *   −E[ℓ''(m)] = I = h² / (P(1 − P))     (Fisher information of one answer)
 *   v⁺ = 1 / (1/v + I)                   (posterior precision = prior precision + information)
 *   m⁺ = m + v⁺ · ℓ'(m)
 * With g = 0: h = P(1 − P) = I, so m⁺ = m + v⁺·(y − P): Elo with K = v⁺, which is where Pelánek's
 * K(n) = 1/(1/σ0² + I·(n+1)) came from — without process noise.
 *
 * Process noise (the predict step of the Kalman filter). The skill is a random walk:
 *   θ_next = θ + w,  w ~ N(0, q),   q = qAnswer per answer + qDay per day since the last answer,
 * so before every answer  v ← min(v0, v + q). At the steady state of answers alone, v* solves
 *   v* = 1 / (1/(v* + qAnswer) + I)  ⇒  v* ≈ √(qAnswer / I) for small qAnswer,
 * i.e. with qAnswer = 0.02 and I ≈ 0.17 at the flow centre, K never falls below ≈ 0.3: a learner
 * gaining 0.05 logits per answer lags about 0.05/(0.3·0.17) ≈ 1 logit at most, and the trend term
 * (0.3 × EWMA of residuals, trend.ts) shifts the targets the rest of the way. After a break of t
 * days the uncertainty grows by qDay·t (cap v0), so the first answers after a break move θ more:
 * ability forgotten or learned elsewhere is found again quickly. v0 = 1.5² (a new learner may sit
 * anywhere from about level 1.5 to 4.5, as before).
 *
 * Items are static in truth, so their belief has no process noise; the information they collect
 * is kept as a sum (`ItemState.info` = Σ I), which makes the posterior variance 1/(1/u0 + info)
 * and lets the recalibration job move an item's prior without losing its own evidence
 * (difficulty-calibration.ts). The item's own update is the same Laplace step with the sign of θ
 * reversed (d enters P with a minus sign).
 */

export interface LaplaceStep {
  predicted: number;
  /** Fisher information of this answer about θ (and about d). */
  information: number;
  /** Posterior variance. */
  variance: number;
  /** Change of the mean: + for θ; the item's change is the negative of the same formula with its own variance. */
  delta: number;
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * One answer's Laplace step for a belief N(mean of θ − d, variance). Returns the change of θ; for
 * an item pass the item's variance and apply −delta to d.
 */
export function laplaceStep(skillMinusDifficulty: number, variance: number, guessing: number, correct: boolean): LaplaceStep {
  const s = sig(skillMinusDifficulty);
  const p = guessing + (1 - guessing) * s;
  const h = (1 - guessing) * s * (1 - s);
  const pq = Math.max(1e-9, p * (1 - p));
  const information = (h * h) / pq;
  const posterior = 1 / (1 / variance + information);
  const delta = (posterior * ((correct ? 1 : 0) - p) * h) / pq;
  return { predicted: p, information, variance: posterior, delta };
}

export interface SkillNoise {
  /** Prior variance of a new learner's skill, and the cap of the grown-back variance. */
  v0: number;
  /** Process noise per answer (logits²). */
  qAnswer: number;
  /** Process noise per day since the learner's last answer (logits²). */
  qDay: number;
}

/** The predict step: uncertainty grown back by one answer and the time since the last one. */
export function predictVariance(variance: number, daysSinceLast: number, noise: SkillNoise): number {
  return Math.min(noise.v0, variance + noise.qAnswer + noise.qDay * Math.max(0, daysSinceLast));
}

/** Posterior variance of an item that has collected `info` of evidence on a prior of variance u0. */
export function itemVariance(info: number, u0: number): number {
  return 1 / (1 / u0 + Math.max(0, info));
}
