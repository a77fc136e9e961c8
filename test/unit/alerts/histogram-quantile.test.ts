import { describe, expect, it } from 'vitest';
import { histogramQuantile } from '../../../core/alerts/histogram-quantile.js';

const bounds = [10, 100, 500, 1000];

describe('histogramQuantile (as Prometheus histogram_quantile)', () => {
  it('is undefined for an empty histogram', () => {
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 0, 0])).toBeUndefined();
  });

  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 100 observations, all in (100, 500]: p50 is halfway through that bucket.
    expect(histogramQuantile(0.5, bounds, [0, 0, 100, 0, 0])).toBe(300);
    // The lowest bucket starts at 0.
    expect(histogramQuantile(0.5, bounds, [10, 0, 0, 0, 0])).toBe(5);
  });

  it('p99 is above 500 exactly when more than 1% of observations are above 500', () => {
    expect(histogramQuantile(0.99, bounds, [900, 90, 9, 1, 0])!).toBeLessThanOrEqual(500);
    expect(histogramQuantile(0.99, bounds, [900, 80, 8, 12, 0])!).toBeGreaterThan(500);
  });

  it('a rank in the +Inf bucket answers the largest finite bound', () => {
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 0, 5])).toBe(1000);
  });

  it('refuses malformed input', () => {
    expect(() => histogramQuantile(0.5, bounds, [1, 2])).toThrow();
    expect(() => histogramQuantile(1.5, bounds, [0, 0, 0, 0, 1])).toThrow();
  });
});
