import { describe, expect, it } from 'vitest';
import {
  applyBankCalibration,
  fitBankCalibration,
  type LabelledConfidence,
} from '../../../core/bloom/bank-calibration.js';
import { eceNoiseFloor, expectedCalibrationError } from '../../../core/bloom/calibration.js';
import { createRng } from '../../../core/random.js';

const logit = (p: number): number => Math.log(p / (1 - p));

/** n pairs at `confidence`, exactly round(n · rightShare) of them right. */
function pairs(n: number, confidence: number, rightShare: number): LabelledConfidence[] {
  const right = Math.round(n * rightShare);
  return Array.from({ length: n }, (_, i) => ({ confidence, correct: i < right }));
}

describe('ECE noise floor', () => {
  it('is deterministic for a seed, p95 ≥ mean, and shrinks as n grows', () => {
    const conf = (n: number): number[] => Array.from({ length: n }, (_, i) => 0.3 + (0.6 * i) / n);
    const a = eceNoiseFloor(conf(200), 200, 7);
    expect(eceNoiseFloor(conf(200), 200, 7)).toEqual(a);
    expect(a.p95).toBeGreaterThanOrEqual(a.mean);
    const big = eceNoiseFloor(conf(20_000), 200, 7);
    expect(big.mean).toBeLessThan(a.mean / 4);
    // A perfectly calibrated predictor on 200 rows is still ~0.05 off in ECE: the figure is noise.
    expect(a.mean).toBeGreaterThan(0.04);
    expect(a.mean).toBeLessThan(0.1);
    expect(big.atMostTarget).toBe(1);
  });

  it('matches the binomial expectation for one bin', () => {
    // All rows at 0.5 in one bin: ECE = |k/n − 0.5|, E ≈ sqrt(0.25 / n) · sqrt(2/π).
    const n = 400;
    const floor = eceNoiseFloor(new Array<number>(n).fill(0.5), 2000, 3);
    expect(floor.mean).toBeCloseTo(Math.sqrt(0.25 / n) * Math.sqrt(2 / Math.PI), 2);
  });

  it('scores each draw exactly as expectedCalibrationError would', () => {
    const conf = Array.from({ length: 300 }, (_, i) => ((i * 37) % 100) / 100);
    const rng = createRng(5);
    const reference = Array.from({ length: 50 }, () => {
      const outcome = conf.map((c) => rng() < c);
      return expectedCalibrationError(conf, outcome);
    }).sort((a, b) => a - b);
    const floor = eceNoiseFloor(conf, 50, 5);
    expect(floor.mean).toBeCloseTo(reference.reduce((a, b) => a + b, 0) / 50, 12);
    expect(floor.p95).toBeCloseTo(reference[Math.ceil(0.95 * 50) - 1]!, 12);
  });

  it('is 0 for no rows', () => {
    expect(eceNoiseFloor([]).mean).toBe(0);
  });
});

describe('bank calibration fit', () => {
  it('leaves confidence alone with no labels', () => {
    const fit = fitBankCalibration([]);
    expect(fit).toMatchObject({ labelled: 0, shift: 0, slope: 1 });
    for (const c of [0.1, 0.5, 0.93]) expect(applyBankCalibration(c, fit)).toBeCloseTo(c, 10);
  });

  it('shifts up for an under-confident bank and down for an over-confident one', () => {
    expect(fitBankCalibration(pairs(100, 0.6, 0.8)).shift).toBeGreaterThan(0.3);
    expect(fitBankCalibration(pairs(100, 0.6, 0.4)).shift).toBeLessThan(-0.3);
    const up = fitBankCalibration(pairs(100, 0.6, 0.8));
    expect(applyBankCalibration(0.6, up)).toBeGreaterThan(0.6);
  });

  it('shrinks toward 0 with few labels and a tight prior, and reaches the data with many', () => {
    const truth = logit(0.8) - logit(0.6);
    const few = fitBankCalibration(pairs(10, 0.6, 0.8)).shift;
    const many = fitBankCalibration(pairs(5000, 0.6, 0.8)).shift;
    expect(few).toBeGreaterThan(0);
    expect(few).toBeLessThan(many);
    expect(many).toBeCloseTo(truth, 2);
    const tight = fitBankCalibration(pairs(100, 0.6, 0.8), { shiftPriorSd: 0.2, slopePriorSd: 0 }).shift;
    expect(tight).toBeLessThan(fitBankCalibration(pairs(100, 0.6, 0.8)).shift);
  });

  it('fits a slope when asked, and the fit lowers ECE on data drawn from a sharper truth', () => {
    // Truth: p = σ(2 · logit(c) + 0.3): the validator's confidences are too timid and too low.
    const rng = createRng(11);
    const data: LabelledConfidence[] = Array.from({ length: 4000 }, () => {
      const c = 0.2 + 0.6 * rng();
      const p = 1 / (1 + Math.exp(-(2 * logit(c) + 0.3)));
      return { confidence: c, correct: rng() < p };
    });
    const fit = fitBankCalibration(data, { shiftPriorSd: 1, slopePriorSd: 1 });
    expect(fit.slope).toBeGreaterThan(1.7);
    expect(fit.slope).toBeLessThan(2.3);
    expect(fit.shift).toBeGreaterThan(0.1);
    const before = expectedCalibrationError(data.map((d) => d.confidence), data.map((d) => d.correct));
    const after = expectedCalibrationError(data.map((d) => applyBankCalibration(d.confidence, fit)), data.map((d) => d.correct));
    expect(after).toBeLessThan(before / 2);
    // The one-parameter default keeps the slope at 1.
    expect(fitBankCalibration(data).slope).toBe(1);
  });

  it('keeps the identity when the evidence is weaker than minEvidence posterior sds', () => {
    const weak = pairs(20, 0.6, 0.7);
    expect(fitBankCalibration(weak).shift).toBeGreaterThan(0);
    expect(fitBankCalibration(weak, { shiftPriorSd: 1, slopePriorSd: 0, minEvidence: 2 }).shift).toBe(0);
    expect(fitBankCalibration(pairs(400, 0.6, 0.8), { shiftPriorSd: 1, slopePriorSd: 0, minEvidence: 2 }).shift).toBeGreaterThan(0.5);
  });

  it('is monotone, so the ordering of confidences (and the level) never changes', () => {
    const fit = { shift: -0.7, slope: 1.3 };
    const cs = [0.05, 0.2, 0.4, 0.6, 0.8, 0.97];
    const out = cs.map((c) => applyBankCalibration(c, fit));
    for (let i = 1; i < out.length; i += 1) expect(out[i]!).toBeGreaterThan(out[i - 1]!);
  });
});
