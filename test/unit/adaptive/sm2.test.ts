import { describe, expect, it } from 'vitest';
import { createSm2Card, sm2EasinessAfter, sm2Next } from '../../../core/scheduling/sm2.js';

describe('SM-2 (Woźniak 1990)', () => {
  it('follows the published intervals and E-Factor formula on a worked example', () => {
    // Worked by hand from EF' = EF + (0.1 − (5−q)(0.08 + (5−q)·0.02)), I(1)=1, I(2)=6, I(n)=I(n−1)·EF
    // (EF before this repetition's update, fractions rounded up), q < 3 → restart, EF unchanged:
    //  start           EF 2.50  n 0
    //  q=5 → n=1 I=1   EF 2.50 + (0.1 − 0)                 = 2.60
    //  q=4 → n=2 I=6   EF 2.60 + (0.1 − 1·(0.08+0.02))     = 2.60
    //  q=3 → n=3 I=ceil(6·2.60 = 15.6) = 16
    //                  EF 2.60 + (0.1 − 2·(0.08+0.04))     = 2.46
    //  q=4 → n=4 I=ceil(16·2.46 = 39.36) = 40   EF 2.46
    //  q=1 → n=0 I=1   EF 2.46 (unchanged on failure)
    //  q=5 → n=1 I=1   EF 2.56
    const steps: Array<[number, number, number, number]> = [
      [5, 1, 1, 2.6],
      [4, 2, 6, 2.6],
      [3, 3, 16, 2.46],
      [4, 4, 40, 2.46],
      [1, 0, 1, 2.46],
      [5, 1, 1, 2.56],
    ];
    let card = createSm2Card();
    expect(card).toEqual({ easiness: 2.5, repetitions: 0, intervalDays: 0 });
    for (const [q, n, interval, ef] of steps) {
      card = sm2Next(card, q);
      expect(card.repetitions).toBe(n);
      expect(card.intervalDays).toBe(interval);
      expect(card.easiness).toBeCloseTo(ef, 10);
    }
  });

  it('applies the E-Factor formula for every grade and floors it at 1.3', () => {
    expect(sm2EasinessAfter(2.5, 5)).toBeCloseTo(2.6, 10);
    expect(sm2EasinessAfter(2.5, 4)).toBeCloseTo(2.5, 10);
    expect(sm2EasinessAfter(2.5, 3)).toBeCloseTo(2.36, 10);
    expect(sm2EasinessAfter(2.5, 0)).toBeCloseTo(1.7, 10); // 0.1 − 5·(0.08 + 0.1) = −0.8
    expect(sm2EasinessAfter(1.3, 3)).toBe(1.3); // 1.16 is below the floor
  });

  it('restarts the repetitions on q < 3 but keeps q = 3 as a pass', () => {
    const mature = { easiness: 2.2, repetitions: 5, intervalDays: 30 };
    expect(sm2Next(mature, 2)).toEqual({ easiness: 2.2, repetitions: 0, intervalDays: 1 });
    expect(sm2Next(mature, 3)).toEqual({ easiness: 2.06, repetitions: 6, intervalDays: 66 });
  });
});
