/**
 * The flow curve over a session's positions (warm-up for the first ~2, build-up, peak
 * at the 70% position, cool-down). Offsets are in logits and are ADDED to the target difficulty,
 * so a negative offset means an easier question.
 *
 * Positions are 1-based. For a session of n questions:
 * - warm-up: the first 2 positions (1 when n is 3 or 4, none when n < 3), offset −0.5;
 * - peak: position max(warm-up + 1, round(0.7·n)) (n = 10 → 7), offset +0.4;
 * - build-up: between warm-up and peak, linear from −0.1 up to the peak;
 * - cool-down: after the peak, linear down to −0.3 at the last position.
 * With the flow centre P = 0.775 these offsets keep every target inside the 0.70–0.85 band:
 * −0.5 → P ≈ 0.85, +0.4 → P ≈ 0.70.
 */

export type FlowPhase = 'warm-up' | 'build-up' | 'peak' | 'cool-down';

export interface FlowPoint {
  position: number;
  phase: FlowPhase;
  offset: number;
}

export const FLOW_CURVE = { warmUp: -0.5, buildStart: -0.1, peak: 0.4, end: -0.3 } as const;

export function warmUpLength(size: number): number {
  if (size >= 5) return 2;
  if (size >= 3) return 1;
  return 0;
}

export function peakPosition(size: number): number {
  if (size <= 0) return 0;
  return Math.min(size, Math.max(warmUpLength(size) + 1, Math.round(0.7 * size)));
}

export function flowCurve(size: number): FlowPoint[] {
  const n = Math.max(0, Math.floor(size));
  const warm = warmUpLength(n);
  const peak = peakPosition(n);
  const points: FlowPoint[] = [];
  for (let position = 1; position <= n; position += 1) {
    let phase: FlowPhase;
    let offset: number;
    if (position <= warm) {
      phase = 'warm-up';
      offset = FLOW_CURVE.warmUp;
    } else if (position < peak) {
      phase = 'build-up';
      const span = peak - (warm + 1);
      offset = FLOW_CURVE.buildStart + ((FLOW_CURVE.peak - FLOW_CURVE.buildStart) * (position - (warm + 1))) / span;
    } else if (position === peak) {
      phase = 'peak';
      offset = FLOW_CURVE.peak;
    } else {
      phase = 'cool-down';
      offset = FLOW_CURVE.peak + ((FLOW_CURVE.end - FLOW_CURVE.peak) * (position - peak)) / (n - peak);
    }
    points.push({ position, phase, offset: Math.round(offset * 1e6) / 1e6 });
  }
  return points;
}
