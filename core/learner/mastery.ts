/**
 * Mastery per category: the model's probability that the learner answers a guess-free question
 * of median difficulty (level 3, logit 0) in that category correctly,
 *   mastery_c = σ(θ_global + θ_c − d_ref).
 * It is "smoothed" because θ is itself an Elo running estimate, and unlike a raw accuracy it does
 * not sit at ~0.78 for everybody just because sessions are composed to be in flow.
 *
 * Hysteresis: `mastery-reached` fires when mastery rises to ≥ 0.80 and the category was not
 * already marked; the mark is cleared (`mastery-lost`) only below 0.70, so noise around the
 * threshold does not fire the rule again and again.
 */
import { sigmoid } from './elo.js';

export function masteryFor(skill: number, categoryOffset: number, referenceDifficulty: number): number {
  return sigmoid(skill + categoryOffset - referenceDifficulty);
}

export type MasteryRuleName = 'mastery-reached' | 'mastery-lost';

export function masteryTransition(
  wasReached: boolean,
  mastery: number,
  settings: { reached: number; lost: number },
): { reached: boolean; fired: MasteryRuleName | null } {
  if (!wasReached && mastery >= settings.reached) return { reached: true, fired: 'mastery-reached' };
  if (wasReached && mastery < settings.lost) return { reached: false, fired: 'mastery-lost' };
  return { reached: wasReached, fired: null };
}
