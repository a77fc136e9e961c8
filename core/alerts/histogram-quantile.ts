/**
 * The q-quantile of a bucketed histogram, computed as Prometheus's `histogram_quantile` does:
 * find the bucket holding rank q·total and interpolate linearly inside it (the lowest bucket starts
 * at 0). A rank in the open +Inf bucket answers the largest finite bound, as Prometheus does.
 *
 * `upperBounds` are the finite bucket bounds, ascending; `counts` has one more entry than
 * `upperBounds` (the +Inf bucket last) and holds per-bucket (not cumulative) counts.
 * Undefined when the histogram is empty.
 */
export function histogramQuantile(q: number, upperBounds: readonly number[], counts: readonly number[]): number | undefined {
  if (counts.length !== upperBounds.length + 1) throw new Error('counts needs one entry per bound plus the +Inf bucket');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be within [0, 1], got ${q}`);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    const below = cumulative;
    cumulative += counts[i]!;
    if (cumulative < rank || counts[i] === 0) continue;
    if (i === upperBounds.length) return upperBounds[upperBounds.length - 1];
    const lower = i === 0 ? 0 : upperBounds[i - 1]!;
    const upper = upperBounds[i]!;
    return lower + (upper - lower) * ((rank - below) / counts[i]!);
  }
  return upperBounds[upperBounds.length - 1];
}
