/**
 * Stated level → difficulty, learned from the answers. A question's stated level (1–5) is a
 * prior, not the truth: banks have their own scales (0.5–2 logits per level) and offsets, per
 * category. The mapping per category is
 *   prior(level) = offset + scale · (level − 3)          (default offset 0, scale 1: level.ts)
 * and every item's difficulty is a Gaussian belief around its prior, variance u0, moved by its own
 * answers (skill-filter.ts): after answers carrying information `info` = Σ I, the posterior is
 *   d = u · (prior/u0 + evidence),   u = 1/(1/u0 + info),
 * so the item's evidence-only estimate (what its answers alone say) is
 *   e = (d/u − prior/u0) / info = d + (d − prior) / (u0 · info),   weighted by info.
 *
 * Recalibration (a scheduled job) refits each category's mapping by weighted least squares of e on
 * (level − 3), weight info, with a ridge pulling towards the default mapping worth `ridge` units of
 * information (a category with few answers keeps the default), scale kept ≥ 0.1. Then every item's
 * prior moves by Δ = prior_new(level) − prior_old(level), and its posterior by the prior's share of
 * it:  d ← d + Δ · u/u0 = d + Δ / (1 + u0·info)  — an unanswered item moves the whole way, an item
 * with a lot of evidence hardly at all. `e` is unchanged by that shift, so running the
 * recalibration twice fits the same mapping and changes nothing the second time (idempotent).
 */

export interface DifficultyMapping {
  scale: number;
  offset: number;
}

export const DEFAULT_MAPPING: DifficultyMapping = Object.freeze({ scale: 1, offset: 0 });

export interface CalibrationSettings {
  /** Prior variance of an item around its category's mapping (logits²). */
  u0: number;
  /** Pull towards the default mapping, in units of answer information. */
  ridge: number;
  minScale: number;
}

const clampLevel = (level: number | null | undefined): number =>
  level === null || level === undefined || !Number.isFinite(level) ? 3 : Math.min(5, Math.max(1, level));

export function priorDifficulty(level: number | null | undefined, mapping: DifficultyMapping = DEFAULT_MAPPING): number {
  return mapping.offset + mapping.scale * (clampLevel(level) - 3);
}

export interface CalibrationItem {
  level: number | null | undefined;
  difficulty: number;
  info: number;
}

/** The evidence-only estimate of an item's difficulty and its weight (null without evidence). */
export function evidenceEstimate(item: CalibrationItem, mapping: DifficultyMapping, u0: number): { e: number; w: number } | null {
  if (!(item.info > 1e-9)) return null;
  const prior = priorDifficulty(item.level, mapping);
  return { e: item.difficulty + (item.difficulty - prior) / (u0 * item.info), w: item.info };
}

/** Weighted least squares of evidence estimates on (level − 3), ridge towards the default mapping. */
export function fitMapping(items: readonly CalibrationItem[], current: DifficultyMapping, s: CalibrationSettings): DifficultyMapping {
  // Normal equations for [offset, scale] with prior rows ridge·(offset − 0)² + ridge·(scale − 1)².
  let a11 = s.ridge;
  let a12 = 0;
  let a22 = s.ridge;
  let b1 = 0;
  let b2 = s.ridge * DEFAULT_MAPPING.scale;
  for (const item of items) {
    const est = evidenceEstimate(item, current, s.u0);
    if (!est) continue;
    const x = clampLevel(item.level) - 3;
    a11 += est.w;
    a12 += est.w * x;
    a22 += est.w * x * x;
    b1 += est.w * est.e;
    b2 += est.w * x * est.e;
  }
  const det = a11 * a22 - a12 * a12;
  if (!(det > 1e-12)) return { ...current };
  const offset = (a22 * b1 - a12 * b2) / det;
  const scale = Math.max(s.minScale, (a11 * b2 - a12 * b1) / det);
  return { offset: Math.round(offset * 1e6) / 1e6, scale: Math.round(scale * 1e6) / 1e6 };
}

/** How far an item's difficulty moves when its prior moves from `from` to `to`. */
export function priorShift(level: number | null | undefined, info: number, from: DifficultyMapping, to: DifficultyMapping, u0: number): number {
  const delta = priorDifficulty(level, to) - priorDifficulty(level, from);
  return delta / (1 + u0 * Math.max(0, info));
}

export interface RecalibrationOutcome {
  mapping: DifficultyMapping;
  /** Items with evidence behind the fit, and their total information. */
  items: number;
  information: number;
}

/** One category's recalibration: the refitted mapping (apply `priorShift` to every item). */
export function recalibrateCategory(items: readonly CalibrationItem[], current: DifficultyMapping, s: CalibrationSettings): RecalibrationOutcome {
  let count = 0;
  let information = 0;
  for (const item of items) {
    if (item.info > 1e-9) {
      count += 1;
      information += item.info;
    }
  }
  return { mapping: fitMapping(items, current, s), items: count, information: Math.round(information * 1e6) / 1e6 };
}
