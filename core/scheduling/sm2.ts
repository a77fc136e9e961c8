/**
 * SM-2 as published by P. Woźniak (1990), "Optimization of learning", and reproduced in
 * "SuperMemo 2: Algorithm" (supermemo.com):
 *
 *   I(1) = 1, I(2) = 6, I(n) = I(n−1) · EF for n > 2
 *   EF' = EF + (0.1 − (5 − q)·(0.08 + (5 − q)·0.02)),  EF ≥ 1.3,  EF starts at 2.5
 *   q < 3 → start the repetitions from the beginning
 *
 * Conventions where implementations differ (this file follows the text of the 1990 description):
 * - Failure (q < 3) resets the repetition count to 0 (next interval 1 day) and leaves EF
 *   UNCHANGED — Woźniak's step 6 says "without changing the E-Factor". (Many libraries, and the
 *   Wikipedia pseudo-code, update EF on failure too.)
 * - On success EF is updated after the interval is computed, i.e. I(n) uses the EF from before
 *   this repetition's update (steps 3 then 5 in Woźniak's order).
 * - A fractional interval is rounded UP to whole days ("round it up to the nearest integer").
 * - Step 7 (repeat every item graded < 4 again the same day) is not applied: a session never
 *   shows a question twice, and a failed item is due again one day later anyway.
 */

export interface Sm2Card {
  /** E-Factor. */
  easiness: number;
  /** n: successful repetitions in a row (0 after a failure). */
  repetitions: number;
  /** Last scheduled interval in days (0 before the first repetition). */
  intervalDays: number;
}

export const SM2_INITIAL_EASINESS = 2.5;
export const SM2_MIN_EASINESS = 1.3;

export function createSm2Card(): Sm2Card {
  return { easiness: SM2_INITIAL_EASINESS, repetitions: 0, intervalDays: 0 };
}

export function sm2EasinessAfter(easiness: number, quality: number): number {
  const miss = 5 - quality;
  const next = easiness + (0.1 - miss * (0.08 + miss * 0.02));
  // Rounded to 6 places so repeated updates serialise to stable JSON.
  return Math.max(SM2_MIN_EASINESS, Math.round(next * 1e6) / 1e6);
}

export function sm2Next(card: Sm2Card, quality: number): Sm2Card {
  const q = Math.min(5, Math.max(0, Math.round(quality)));
  if (q < 3) return { easiness: card.easiness, repetitions: 0, intervalDays: 1 };
  const repetitions = card.repetitions + 1;
  let intervalDays: number;
  if (repetitions === 1) intervalDays = 1;
  else if (repetitions === 2) intervalDays = 6;
  else intervalDays = Math.ceil(card.intervalDays * card.easiness - 1e-9);
  return { easiness: sm2EasinessAfter(card.easiness, q), repetitions, intervalDays };
}
