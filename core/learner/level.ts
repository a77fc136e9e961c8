/**
 * Levels 1–5 and the logit scale.
 *
 * One level = one logit, centred on level 3: logit = level − 3. A question's stated difficulty
 * (1–5) seeds its Elo rating this way, and a learner's level is the nearest item level they would
 * answer correctly half of the time without guessing: level = clamp(round(θ + 3), 1, 5), i.e. the
 * bands are θ < −1.5 → 1, [−1.5, −0.5) → 2, [−0.5, 0.5) → 3, [0.5, 1.5) → 4, ≥ 1.5 → 5.
 * (Rounding is half-up, Math.round.)
 */

export const MIN_LEVEL = 1;
export const MAX_LEVEL = 5;

/**
 * Seed rating for a question's stated difficulty; unknown or out-of-range → level 3 (0). This is
 * the DEFAULT mapping only: the seed's "one level = one logit" fights real banks (0.5–2 logits per
 * level, offsets, per category), so items are seeded through their category's learned mapping
 * (difficulty-calibration.ts) and this is what a category starts from before any answers. The
 * learner's level 1–5 keeps this scale: it is a reading of θ, not of any bank's labels.
 */
export function levelToLogit(level: number | null | undefined): number {
  if (level === null || level === undefined || !Number.isFinite(level)) return 0;
  return Math.min(MAX_LEVEL, Math.max(MIN_LEVEL, level)) - 3;
}

export function skillToLevel(skill: number): number {
  return Math.min(MAX_LEVEL, Math.max(MIN_LEVEL, Math.round(skill + 3)));
}
