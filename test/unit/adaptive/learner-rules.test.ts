import { describe, expect, it } from 'vitest';
import { defaultAdaptiveConfig } from '../../../core/adaptive-config.js';
import { updateComeback, type ComebackState } from '../../../core/learner/comeback.js';
import { masteryFor, masteryTransition } from '../../../core/learner/mastery.js';
import { applyStreakRules, type Streaks } from '../../../core/learner/streak-rules.js';
import { updateTrend } from '../../../core/learner/trend.js';

const streakSettings = defaultAdaptiveConfig.streak;
const comebackSettings = defaultAdaptiveConfig.comeback;

function runStreaks(outcomes: boolean[], start = 0) {
  let streaks: Streaks = { correct: 0, wrong: 0 };
  let offset = start;
  const fired: Array<string | null> = [];
  for (const o of outcomes) {
    const r = applyStreakRules(streaks, offset, o, streakSettings);
    streaks = r.streaks;
    offset = r.difficultyOffset;
    fired.push(r.fired);
  }
  return { streaks, offset, fired };
}

describe('streak rules', () => {
  it('2 wrong in a row lowers the difficulty by 0.5', () => {
    const r = runStreaks([true, false, false]);
    expect(r.fired).toEqual([null, null, 'streak-down']);
    expect(r.offset).toBe(-0.5);
    expect(r.streaks).toEqual({ correct: 0, wrong: 2 });
  });

  it('3 right in a row raises it by 0.3, again at 6', () => {
    const r = runStreaks([true, true, true, true, true, true]);
    expect(r.fired).toEqual([null, null, 'streak-up', null, null, 'streak-up']);
    expect(r.offset).toBe(0.6);
  });

  it('a broken run does not fire and the offset is clamped to [−1, 0.6]', () => {
    expect(runStreaks([false, true, false, true]).fired).toEqual([null, null, null, null]);
    expect(runStreaks(Array(9).fill(true)).offset).toBe(0.6); // three steps, clamped at two
    expect(runStreaks(Array(6).fill(false)).offset).toBe(-1); // three steps, clamped at two
  });
});

describe('comeback mode', () => {
  const empty: ComebackState = { comebackMode: false, comebackAnswers: 0, recentOutcomes: [] };
  const feed = (state: ComebackState, outcomes: boolean[]) => {
    let s = state;
    const fired: Array<string | null> = [];
    for (const o of outcomes) {
      const r = updateComeback(s, o, comebackSettings);
      s = r;
      fired.push(r.fired);
    }
    return { state: s, fired };
  };

  it('enters when accuracy falls under 60% over at least 5 answers', () => {
    const four = feed(empty, [false, false, false, false]);
    expect(four.state.comebackMode).toBe(false); // too few answers to judge
    const r = feed(empty, [true, false, true, false, false]); // 2/5 = 40%
    expect(r.fired[4]).toBe('comeback-enter');
    expect(r.state.comebackMode).toBe(true);
    const fine = feed(empty, [true, true, true, false, false]); // 3/5 = 60% is not under 60%
    expect(fine.state.comebackMode).toBe(false);
  });

  it('exits only after 8 answers in comeback with at least 75% of the last 8 right', () => {
    const entered = feed(empty, [false, false, false, false, false]).state;
    expect(entered.comebackMode).toBe(true);
    const seven = feed(entered, Array(7).fill(true));
    expect(seven.state.comebackMode).toBe(true); // 7 answers since entering: not yet
    const eight = feed(seven.state, [true]);
    expect(eight.fired[0]).toBe('comeback-exit');
    expect(eight.state.comebackMode).toBe(false);
    // 5 of 8 (62.5%) is not enough.
    const mixed = feed(entered, [true, false, true, false, true, false, true, true]);
    expect(mixed.state.comebackMode).toBe(true);
  });
});

describe('trend and mastery', () => {
  it('trend is an EWMA of residuals', () => {
    expect(updateTrend(0, 0.5, 0.2)).toBeCloseTo(0.1, 12);
    expect(updateTrend(0.1, -0.5, 0.2)).toBeCloseTo(-0.02, 12);
  });

  it('mastery is P(correct) at median difficulty, with hysteresis', () => {
    expect(masteryFor(0, 0, 0)).toBe(0.5);
    expect(masteryFor(1.2, 0.3, 0)).toBeCloseTo(1 / (1 + Math.exp(-1.5)), 12);
    const settings = { reached: 0.8, lost: 0.7 };
    expect(masteryTransition(false, 0.81, settings)).toEqual({ reached: true, fired: 'mastery-reached' });
    expect(masteryTransition(true, 0.75, settings)).toEqual({ reached: true, fired: null });
    expect(masteryTransition(true, 0.69, settings)).toEqual({ reached: false, fired: 'mastery-lost' });
  });
});
