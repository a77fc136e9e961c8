import type { Figure, Measure, Target } from './benchmark.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function measure(runs: readonly number[], unit: string): Measure {
  return { value: median(runs), unit, min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

/** A figure from its runs, with its baseline (same unit) and the ratio of the medians. */
export function figure(
  name: string,
  runs: readonly number[],
  unit: string,
  options: { baseline?: { name: string; runs: readonly number[]; unit?: string }; target?: Target; note?: string } = {},
): Figure {
  const own = measure(runs, unit);
  const out: Figure = { name, ...own };
  if (options.baseline) {
    const base = measure(options.baseline.runs, options.baseline.unit ?? unit);
    out.baseline = { name: options.baseline.name, ...base };
    out.ratio = own.value / base.value;
  }
  if (options.target) out.target = options.target;
  if (options.note) out.note = options.note;
  return out;
}

/** Whether a figure meets its target: on the ratio when it has a baseline, else on the value. */
export function meetsTarget(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  const x = f.ratio ?? f.value;
  if (!Number.isFinite(x)) return false;
  if (f.target.atLeast !== undefined && x < f.target.atLeast) return false;
  if (f.target.atMost !== undefined && x > f.target.atMost) return false;
  return true;
}

/** A job count that makes one run last about `seconds` at `ratePerSecond`, within bounds. */
export function sizeFor(ratePerSecond: number, seconds: number, min: number, max: number): number {
  const n = Math.round(ratePerSecond * seconds);
  return Math.max(min, Math.min(max, Number.isFinite(n) ? n : min));
}
