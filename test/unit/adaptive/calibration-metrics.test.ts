import { describe, expect, it } from 'vitest';
import { calibrationReport, calibrationStats, mergeCalibration, statsFromBuckets } from '../../../core/metrics/calibration.js';

describe('calibration metrics', () => {
  it('computes log-loss, Brier, ECE and AUC (worked example)', () => {
    const sample = [
      { p: 0.8, correct: true },
      { p: 0.8, correct: false },
      { p: 0.3, correct: false },
      { p: 0.6, correct: true },
    ];
    const r = calibrationReport(calibrationStats(sample));
    // log-loss = (−ln .8 − ln .2 − ln .7 − ln .6)/4 = (0.22314 + 1.60944 + 0.35667 + 0.51083)/4
    expect(r.logLoss).toBeCloseTo(0.675021, 5);
    // Brier = (0.04 + 0.64 + 0.09 + 0.16)/4
    expect(r.brier).toBeCloseTo(0.2325, 10);
    // ECE: bin 8 (n 2, p̄ .8, ȳ .5) → .3·2/4; bin 3 (.3 vs 0) → .3/4; bin 6 (.6 vs 1) → .4/4
    expect(r.ece).toBeCloseTo(0.15 + 0.075 + 0.1, 10);
    // AUC: right {.8, .6} vs wrong {.8, .3}: (.8>.3) 1 + (.8=.8) ½ + (.6>.3) 1 + (.6<.8) 0 = 2.5/4
    expect(r.auc).toBeCloseTo(0.625, 10);
    expect(r.observed).toBe(0.5);
  });

  it('merges days exactly and rebuilds from 100-bucket aggregates', () => {
    const a = [{ p: 0.72, correct: true }, { p: 0.75, correct: false }];
    const b = [{ p: 0.81, correct: true }, { p: 0.15, correct: false }];
    const whole = calibrationReport(calibrationStats([...a, ...b]));
    expect(calibrationReport(mergeCalibration(calibrationStats(a), calibrationStats(b)))).toEqual(whole);
    const buckets = [...a, ...b].map((x) => ({
      bucket: Math.floor(x.p * 100),
      n: 1,
      sumP: x.p,
      correct: x.correct ? 1 : 0,
      sumLogLoss: -Math.log(x.correct ? x.p : 1 - x.p),
      sumBrier: (x.p - (x.correct ? 1 : 0)) ** 2,
    }));
    const rebuilt = calibrationReport(statsFromBuckets(buckets));
    expect(rebuilt.ece).toBeCloseTo(whole.ece!, 12);
    expect(rebuilt.logLoss).toBeCloseTo(whole.logLoss!, 12);
    expect(rebuilt.auc).toBeCloseTo(whole.auc!, 12);
  });

  it('reports nulls for an empty sample and no AUC with one class', () => {
    expect(calibrationReport(calibrationStats([])).ece).toBeNull();
    expect(calibrationReport(calibrationStats([{ p: 0.7, correct: true }])).auc).toBeNull();
  });
});
