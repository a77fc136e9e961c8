import { describe, expect, it } from 'vitest';
import { difficultyForSuccess, eloK, eloStep, guessingFor, predictCorrect } from '../../../core/learner/elo.js';
import { levelToLogit, skillToLevel } from '../../../core/learner/level.js';

describe('Elo (Pelánek 2016)', () => {
  it('reproduces a worked example of P = g + (1−g)σ(θ−d) and K = α/(1+βn)', () => {
    // θ = 0.5, d = −0.2, 4-option multiple choice → g = 0.25.
    // σ(0.7) = 1/(1 + e^−0.7) = 0.668188;  P = 0.25 + 0.75·0.668188 = 0.751141.
    // Wrong answer: residual = −0.751141.
    // Learner has 10 answers: K = 1/(1 + 0.05·10) = 2/3 → θ' = 0.5 − 0.500761 = −0.000761.
    // Item has 20 answers:    K = 1/(1 + 0.05·20) = 1/2 → d' = −0.2 + 0.375570 = 0.175570.
    const g = guessingFor('multiple_choice', 4);
    expect(g).toBe(0.25);
    expect(predictCorrect(0.5, -0.2, g)).toBeCloseTo(0.751141, 6);
    expect(eloK(10, 1, 0.05)).toBeCloseTo(2 / 3, 12);
    expect(eloK(20, 1, 0.05)).toBeCloseTo(0.5, 12);
    const step = eloStep(0.5, -0.2, g, false, eloK(10, 1, 0.05), eloK(20, 1, 0.05));
    expect(step.residual).toBeCloseTo(-0.751141, 6);
    expect(0.5 + step.learnerDelta).toBeCloseTo(-0.000761, 6);
    expect(-0.2 + step.itemDelta).toBeCloseTo(0.17557, 5);
  });

  it('uses guessing 1/options, 0.5 for true/false and 0 for open questions', () => {
    expect(guessingFor('multiple_choice', 5)).toBeCloseTo(0.2, 12);
    expect(guessingFor('multiple_choice', null)).toBe(0.25);
    expect(guessingFor('true_false')).toBe(0.5);
    expect(guessingFor('short_answer')).toBe(0);
    expect(predictCorrect(-10, 10, 0.5)).toBeGreaterThanOrEqual(0.5);
  });

  it('inverts the prediction to a difficulty for a target success', () => {
    const d = difficultyForSuccess(1.2, 0.775, 0.25);
    expect(predictCorrect(1.2, d, 0.25)).toBeCloseTo(0.775, 9);
  });

  it('maps stated levels and skills onto one logit per level', () => {
    expect([1, 2, 3, 4, 5].map(levelToLogit)).toEqual([-2, -1, 0, 1, 2]);
    expect(levelToLogit(undefined)).toBe(0);
    expect(skillToLevel(-1.6)).toBe(1);
    expect(skillToLevel(-0.5)).toBe(3); // half-up rounding: −0.5 + 3 = 2.5 → 3
    expect(skillToLevel(0.49)).toBe(3);
    expect(skillToLevel(1.5)).toBe(5);
    expect(skillToLevel(9)).toBe(5);
  });
});
