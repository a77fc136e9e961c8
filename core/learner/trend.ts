/**
 * Performance trend: an exponentially weighted moving average of the residuals (correct − P).
 * Positive means the learner has lately done better than the model expected (probably learning
 * faster than the Elo update follows), so the next targets move up by 0.3 × trend (the design's
 * "optimal difficulty = skill + 0.3 × trend"). λ = 0.2 gives an effective memory of ~5 answers;
 * the value stays within [−1, 1] because each residual does.
 */
export function updateTrend(trend: number, residual: number, lambda: number): number {
  return (1 - lambda) * trend + lambda * residual;
}
