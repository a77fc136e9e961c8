import { describe, expect, it } from 'vitest';
import { itemVariance, laplaceStep, predictVariance } from '../../../core/learner/skill-filter.js';
import {
  DEFAULT_MAPPING,
  evidenceEstimate,
  fitMapping,
  priorDifficulty,
  priorShift,
} from '../../../core/learner/difficulty-calibration.js';

const settings = { u0: 0.5, ridge: 20, minScale: 0.1 };

describe('skill filter (Laplace step with process noise)', () => {
  it('is Elo with K = posterior variance when there is no guessing (worked example)', () => {
    // θ − d = 0 → P = 0.5, I = 0.25; v = 1 → v⁺ = 1/(1 + 0.25) = 0.8; right: Δ = 0.8·0.5 = 0.4.
    const step = laplaceStep(0, 1, 0, true);
    expect(step.predicted).toBe(0.5);
    expect(step.information).toBe(0.25);
    expect(step.variance).toBeCloseTo(0.8, 12);
    expect(step.delta).toBeCloseTo(0.4, 12);
  });

  it('discounts answers to guessable questions (worked example, g = 0.25)', () => {
    // σ = 0.5, P = 0.25 + 0.75·0.5 = 0.625, h = 0.75·0.25 = 0.1875, P(1−P) = 0.234375,
    // I = 0.1875²/0.234375 = 0.15; v⁺ = 1/(1 + 0.15) = 0.869565;
    // right: Δ = 0.869565·0.375·0.1875/0.234375 = 0.26087.
    const step = laplaceStep(0, 1, 0.25, true);
    expect(step.predicted).toBe(0.625);
    expect(step.information).toBeCloseTo(0.15, 12);
    expect(step.delta).toBeCloseTo(0.260870, 6);
    // A wrong answer to a guessable question says more than a right one.
    expect(-laplaceStep(0, 1, 0.25, false).delta).toBeGreaterThan(step.delta);
  });

  it('grows the variance back by qAnswer and qDay·days, capped at v0', () => {
    const noise = { v0: 2.25, qAnswer: 0.02, qDay: 0.01 };
    expect(predictVariance(0.3, 0, noise)).toBeCloseTo(0.32, 12);
    expect(predictVariance(0.3, 10, noise)).toBeCloseTo(0.42, 12);
    expect(predictVariance(0.3, 10_000, noise)).toBe(2.25);
  });

  it("gives an item the variance 1/(1/u0 + info)", () => {
    expect(itemVariance(0, 0.5)).toBe(0.5);
    expect(itemVariance(2, 0.5)).toBe(0.25);
  });
});

describe('level mapping recalibration', () => {
  it('maps levels through offset + scale·(level − 3)', () => {
    expect(priorDifficulty(5)).toBe(2);
    expect(priorDifficulty(1, { scale: 2, offset: 0.5 })).toBe(-3.5);
    expect(priorDifficulty(null, { scale: 2, offset: 0.5 })).toBe(0.5);
  });

  it("recovers an item's evidence-only estimate (worked example)", () => {
    // prior 1 (level 4), u0 0.5, info 2: e = d + (d − prior)/(u0·info) = 1.5 + 0.5/1 = 2.
    expect(evidenceEstimate({ level: 4, difficulty: 1.5, info: 2 }, DEFAULT_MAPPING, 0.5)).toEqual({ e: 2, w: 2 });
    expect(evidenceEstimate({ level: 4, difficulty: 1, info: 0 }, DEFAULT_MAPPING, 0.5)).toBeNull();
  });

  it('fits a 2-logit scale and +1 offset from evidence, and is idempotent after the shift', () => {
    // Items whose evidence says d = 1 + 2·(level − 3), 40 units of information each.
    const truth = { scale: 2, offset: 1 };
    const items = [1, 2, 3, 4, 5].flatMap((level) =>
      [0, 1, 2].map(() => {
        const info = 40;
        const prior = priorDifficulty(level, DEFAULT_MAPPING);
        const e = priorDifficulty(level, truth);
        // The posterior mixes prior and evidence by their precisions.
        const d = (prior / settings.u0 + info * e) / (1 / settings.u0 + info);
        return { level, difficulty: d, info };
      }),
    );
    const fit = fitMapping(items, DEFAULT_MAPPING, settings);
    // 600 units of evidence against a ridge of 20: close to the truth, pulled slightly to (1, 0).
    expect(fit.scale).toBeGreaterThan(1.9);
    expect(fit.scale).toBeLessThan(2);
    expect(fit.offset).toBeGreaterThan(0.95);
    expect(fit.offset).toBeLessThan(1);
    const shifted = items.map((i) => ({ ...i, difficulty: i.difficulty + priorShift(i.level, i.info, DEFAULT_MAPPING, fit, settings.u0) }));
    const again = fitMapping(shifted, fit, settings);
    expect(again.scale).toBeCloseTo(fit.scale, 5);
    expect(again.offset).toBeCloseTo(fit.offset, 5);
  });

  it('moves an unanswered item the whole way and an item with evidence only by the prior share', () => {
    const to = { scale: 2, offset: 1 };
    // level 5: prior 2 → 5, Δ = 3; info 0 → 3; info 2 → 3/(1 + 0.5·2) = 1.5.
    expect(priorShift(5, 0, DEFAULT_MAPPING, to, 0.5)).toBe(3);
    expect(priorShift(5, 2, DEFAULT_MAPPING, to, 0.5)).toBe(1.5);
  });

  it('keeps the default mapping without evidence', () => {
    expect(fitMapping([{ level: 2, difficulty: -1, info: 0 }], DEFAULT_MAPPING, settings)).toEqual({ scale: 1, offset: 0 });
  });
});

describe('model version', () => {
  it('fits the decision-trace contract (≤ 100 characters), or every trace would be refused', async () => {
    const { ADAPTIVE_MODEL_VERSION } = await import('../../../core/adaptive-config.js');
    const { decisionTraceSchema } = await import('../../../core/contracts/decision-trace.js');
    expect(ADAPTIVE_MODEL_VERSION.length).toBeLessThanOrEqual(100);
    expect(
      decisionTraceSchema.safeParse({ decisionId: 'd-1', kind: 'session-generation', createdAt: new Date().toISOString(), inputs: {}, outputs: {}, modelVersion: ADAPTIVE_MODEL_VERSION }).success,
    ).toBe(true);
  });
});
