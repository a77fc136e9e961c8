/**
 * NOTE (adaptive-2.0.0): the learner's global skill and the items' difficulties are now updated
 * by the skill filter (skill-filter.ts: the same model, with the learner's K replaced by a
 * posterior variance that grows back with process noise, because K(n) below shrinks to 0 and
 * leaves a growing learner behind), and a stated level seeds an item through its category's
 * learned mapping (difficulty-calibration.ts), not one logit per level. K(n) below is still the
 * category offsets' gain (γ·K(n_category)) and the variance read for learner states written
 * before the filter. The text below documents the 1.x conventions it came from.
 *
 * Elo for adaptive practice, after Pelánek (2016), "Applications of the Elo rating system in
 * adaptive educational systems", Computers & Education 98.
 *
 *   P(correct) = g + (1 − g) · σ(θ − d)          σ(x) = 1 / (1 + e^(−x))
 *   θ ← θ + K(n_learner) · (correct − P)          d ← d − K(n_item) · (correct − P)
 *   K(n) = α / (1 + β · n)                        (Pelánek's "uncertainty function")
 *
 * Conventions used here where variants differ:
 * - Learner K: α = 1.6, β = 0.28. Pelánek's K(n) stands in for the rating's uncertainty; for a
 *   Gaussian belief about θ updated by a logistic observation (a Laplace/Kalman step) the gain is
 *   exactly the posterior variance, K_n = 1 / (1/σ0² + I·(n+1)), which is α/(1+β·n) with
 *   α = 1/(1/σ0² + I) and β = I·α. σ0 = 1.5 logits (a new learner may sit anywhere from about
 *   level 1.5 to 4.5) and I = P(1−P) ≈ 0.17, the information of one answer at the flow centre
 *   P ≈ 0.775, give α ≈ 1.6, β ≈ 0.28. So the first answers move a new learner further than the
 *   old α = 1, β = 0.05 did, and a practised learner less (K(100) ≈ 0.06 instead of 0.17): less
 *   noise once the skill is known. Raising α alone (1.5, 2 with β = 0.05) did not help; the pair
 *   does (bench/simulator, flow-state rate about +0.01 on three seeds).
 * - Item K: α = 1, β = 0.02. An item's rating must keep following the population that answers it:
 *   learners' ratings lag their learning (small learner K) and repeat answers come from learners
 *   who remember the question, so the item side of this relative scale keeps moving. A slower
 *   item decay (β = 0.05, 0.2) and the uncertainty-derived pair for items (α = 0.35, β = 0.06
 *   from the spread of stated difficulties) tracked worse in the simulator.
 *   n is the number of answers that learner (resp. item) has already contributed, counted before
 *   the update; the seeded item rating is refined from its first answer on.
 * - Guessing g (Pelánek's "modification for multiple-choice questions"): 1/options for
 *   multiple_choice (4 options when the count is unknown), 0.5 for true_false, 0 for open types.
 *   The residual (correct − P) uses the guess-adjusted P, as in the paper.
 * - Category skill is hierarchical: prediction uses θ_global + θ_category; the global skill takes
 *   the full learner K(n_global) and the category offset γ·K(n_category), γ = 0.5, so a new
 *   learner's effective skill in a new category is not moved twice as far as the paper's
 *   single-skill model.
 * - Scale: one difficulty level (1–5) is one logit, level 3 = 0 (see level.ts).
 */

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function logit(p: number): number {
  const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
  return Math.log(q / (1 - q));
}

/** Probability of a correct answer by pure guessing for a question type. */
export function guessingFor(type: string | undefined, optionsCount?: number | null): number {
  if (type === 'true_false') return 0.5;
  if (type === 'multiple_choice') {
    const n = optionsCount && optionsCount >= 2 ? optionsCount : 4;
    return 1 / n;
  }
  return 0;
}

/** Pelánek's P = g + (1 − g)·σ(θ − d). */
export function predictCorrect(skill: number, difficulty: number, guessing = 0): number {
  return guessing + (1 - guessing) * sigmoid(skill - difficulty);
}

/** The uncertainty function K(n) = α / (1 + β·n). */
export function eloK(answersSeen: number, alpha: number, beta: number): number {
  return alpha / (1 + beta * Math.max(0, answersSeen));
}

/**
 * Inverse of predictCorrect in d: the difficulty at which a learner of `skill` succeeds with
 * probability `p` on a question with guessing `g` (p is clamped just inside (g, 1)).
 */
export function difficultyForSuccess(skill: number, p: number, guessing = 0): number {
  const core = (p - guessing) / (1 - guessing);
  return skill - logit(Math.min(1 - 1e-6, Math.max(1e-6, core)));
}

export interface EloUpdate {
  predicted: number;
  residual: number;
  learnerDelta: number;
  itemDelta: number;
}

/** One answer's rating changes, given both sides' K (already computed from their counts). */
export function eloStep(
  skill: number,
  difficulty: number,
  guessing: number,
  correct: boolean,
  learnerK: number,
  itemK: number,
): EloUpdate {
  const predicted = predictCorrect(skill, difficulty, guessing);
  const residual = (correct ? 1 : 0) - predicted;
  return { predicted, residual, learnerDelta: learnerK * residual, itemDelta: -itemK * residual };
}
