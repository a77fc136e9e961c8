import { describe, expect, it } from 'vitest';
import { allocateSessionMix, fallbackChain } from '../../../core/session/session-mix.js';
import { flowCurve, peakPosition } from '../../../core/session/flow-curve.js';

describe('session mix (largest remainder)', () => {
  it('splits 10 seats 3/3/2/1/1 (tie at .5 goes to the earlier share)', () => {
    expect(allocateSessionMix(10)).toEqual({
      spaced_repetition: 3,
      knowledge_gaps: 3,
      difficulty_curve: 2,
      learning_style: 1,
      novel: 1,
    });
  });

  it('gives leftover seats to the largest remainders', () => {
    // 7 → quotas 2.1, 1.75, 1.4, 1.05, 0.7: floors 2/1/1/1/0, then .75 (gaps) and .7 (novel).
    expect(allocateSessionMix(7)).toEqual({ spaced_repetition: 2, knowledge_gaps: 2, difficulty_curve: 1, learning_style: 1, novel: 1 });
    expect(allocateSessionMix(1)).toEqual({ spaced_repetition: 1, knowledge_gaps: 0, difficulty_curve: 0, learning_style: 0, novel: 0 });
    for (let n = 0; n <= 50; n += 1) {
      expect(Object.values(allocateSessionMix(n)).reduce((a, b) => a + b, 0)).toBe(n);
    }
  });

  it('falls back to the next shares in order, wrapping around', () => {
    expect(fallbackChain('spaced_repetition')).toEqual(['knowledge_gaps', 'difficulty_curve', 'learning_style', 'novel']);
    expect(fallbackChain('novel')).toEqual(['spaced_repetition', 'knowledge_gaps', 'difficulty_curve', 'learning_style']);
  });
});

describe('flow curve', () => {
  it('warms up easier, peaks at the 70% position and cools down', () => {
    const curve = flowCurve(10);
    expect(curve.map((p) => p.phase)).toEqual([
      'warm-up',
      'warm-up',
      'build-up',
      'build-up',
      'build-up',
      'build-up',
      'peak',
      'cool-down',
      'cool-down',
      'cool-down',
    ]);
    expect(peakPosition(10)).toBe(7);
    const offsets = curve.map((p) => p.offset);
    const max = Math.max(...offsets);
    expect(offsets.indexOf(max) + 1).toBe(7);
    // Warm-up is the easiest part and strictly easier than everything after it.
    for (const later of offsets.slice(2)) expect(offsets[0]).toBeLessThan(later);
    // Build-up rises, cool-down falls.
    for (let i = 2; i < 6; i += 1) expect(offsets[i]).toBeLessThan(offsets[i + 1] as number);
    for (let i = 6; i < 9; i += 1) expect(offsets[i]).toBeGreaterThan(offsets[i + 1] as number);
  });

  it('handles short sessions', () => {
    expect(flowCurve(1).map((p) => p.phase)).toEqual(['peak']);
    expect(flowCurve(3).map((p) => p.phase)).toEqual(['warm-up', 'peak', 'cool-down']);
    expect(flowCurve(0)).toEqual([]);
    expect(peakPosition(20)).toBe(14);
  });
});
