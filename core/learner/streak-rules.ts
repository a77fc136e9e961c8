/**
 * Real-time streak rules: 2 wrong in a row → difficulty −0.5; 3 right in a row → +0.3.
 *
 * Conventions:
 * - `streaks.correct` / `streaks.wrong` are the current run lengths (one of them is always 0
 *   after the first answer); they are what the profile shows.
 * - A rule fires each time its run reaches a multiple of its length (wrong runs at 2, 4, 6…;
 *   right runs at 3, 6, 9…), so a long run keeps pushing in the same direction step by step.
 * - The accumulated `difficultyOffset` (logits) is clamped to [−1.0, +0.6]: at most two
 *   downward or two upward steps. It is halved at the start of every session's feedback so an
 *   old streak fades instead of biasing targets for ever (left alone, the asymmetric steps drift
 *   upward at the flow centre: at P ≈ 0.78, 3-right runs are ~5× as frequent as 2-wrong runs).
 * - The offset shapes the NEXT composed session (sessions are composed before they are played).
 */

export interface Streaks {
  correct: number;
  wrong: number;
}

export interface StreakRuleSettings {
  wrongRun: number;
  wrongStep: number;
  rightRun: number;
  rightStep: number;
  min: number;
  max: number;
}

export type StreakRuleName = 'streak-down' | 'streak-up';

export interface StreakOutcome {
  streaks: Streaks;
  difficultyOffset: number;
  fired: StreakRuleName | null;
}

export function applyStreakRules(
  streaks: Streaks,
  difficultyOffset: number,
  correct: boolean,
  settings: StreakRuleSettings,
): StreakOutcome {
  const next: Streaks = correct
    ? { correct: streaks.correct + 1, wrong: 0 }
    : { correct: 0, wrong: streaks.wrong + 1 };
  let fired: StreakRuleName | null = null;
  let offset = difficultyOffset;
  if (!correct && next.wrong % settings.wrongRun === 0) {
    fired = 'streak-down';
    offset += settings.wrongStep;
  } else if (correct && next.correct % settings.rightRun === 0) {
    fired = 'streak-up';
    offset += settings.rightStep;
  }
  offset = Math.min(settings.max, Math.max(settings.min, offset));
  // Rounding keeps the JSON stable (0.3 + 0.3 would otherwise serialise as 0.6000000000000001).
  return { streaks: next, difficultyOffset: Math.round(offset * 1e6) / 1e6, fired };
}
