import { sql } from 'kysely';
import {
  DEFAULT_MAPPING,
  recalibrateCategory,
  type CalibrationSettings,
  type DifficultyMapping,
} from '../../core/learner/difficulty-calibration.js';
import type { Db } from '../database.js';

/** Questions without a category share the mapping stored under this key. */
export const NO_CATEGORY = '';

/** The learned level mappings of these categories (the default for a category never fitted). */
export async function loadMappings(db: Db, categoryIds: Iterable<string | null>): Promise<Map<string, DifficultyMapping>> {
  const keys = [...new Set([...categoryIds].map((c) => c ?? NO_CATEGORY))];
  const out = new Map<string, DifficultyMapping>();
  if (keys.length === 0) return out;
  const rows = await db.selectFrom('difficulty_mappings').select(['category_id', 'scale', 'offset']).where('category_id', 'in', keys).execute();
  for (const r of rows) out.set(r.category_id, { scale: r.scale, offset: r.offset });
  return out;
}

export function mappingFor(mappings: Map<string, DifficultyMapping>, categoryId: string | null | undefined): DifficultyMapping {
  return mappings.get(categoryId ?? NO_CATEGORY) ?? DEFAULT_MAPPING;
}

export interface RecalibratedCategory {
  categoryId: string;
  before: DifficultyMapping;
  after: DifficultyMapping;
  items: number;
  information: number;
}

/**
 * Refits every category's level mapping from the items' evidence and moves every item's prior
 * (core/learner/difficulty-calibration.ts), in one transaction per category under an advisory
 * lock. Idempotent: the fit depends only on the evidence, which the shift leaves unchanged, so a
 * second run (or a retried job) fits the same mapping and moves nothing.
 *
 * DANGER: the shift is applied as a delta (rating + Δ) so a concurrent feedback job's delta is
 * kept; the fit itself may miss an answer committed meanwhile, which the next run picks up.
 */
export async function recalibrateDifficulties(db: Db, settings: CalibrationSettings, now: Date): Promise<RecalibratedCategory[]> {
  const categories = await sql<{ category_id: string }>`
    SELECT DISTINCT COALESCE(category_id, ${NO_CATEGORY}) AS category_id FROM questions WHERE rating_info > 0 ORDER BY 1
  `.execute(db);
  const out: RecalibratedCategory[] = [];
  for (const { category_id: categoryId } of categories.rows) {
    const changed = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`difficulty-mapping:${categoryId}`}))`.execute(trx);
      const current = mappingFor(await loadMappings(trx, [categoryId]), categoryId);
      const items = await sql<{ level: number | null; rating: number; rating_info: number }>`
        SELECT difficulty AS level, rating, rating_info FROM questions
        WHERE COALESCE(category_id, ${NO_CATEGORY}) = ${categoryId} AND rating IS NOT NULL AND rating_info > 0
      `.execute(trx);
      const fit = recalibrateCategory(
        items.rows.map((r) => ({ level: r.level, difficulty: r.rating, info: r.rating_info })),
        current,
        settings,
      );
      const dOffset = fit.mapping.offset - current.offset;
      const dScale = fit.mapping.scale - current.scale;
      // Every item of the category, answered or not: d += Δprior(level) / (1 + u0·info).
      if (dOffset !== 0 || dScale !== 0) {
        await sql`
          UPDATE questions
          SET rating = COALESCE(rating, 0) + (${dOffset}::float8 + ${dScale}::float8 * (LEAST(5, GREATEST(1, COALESCE(difficulty, 3))) - 3)) / (1 + ${settings.u0}::float8 * rating_info)
          WHERE COALESCE(category_id, ${NO_CATEGORY}) = ${categoryId}
        `.execute(trx);
      }
      await trx
        .insertInto('difficulty_mappings')
        .values({ category_id: categoryId, scale: fit.mapping.scale, offset: fit.mapping.offset, items: fit.items, information: fit.information, fitted_at: now })
        .onConflict((oc) =>
          oc.column('category_id').doUpdateSet({ scale: fit.mapping.scale, offset: fit.mapping.offset, items: fit.items, information: fit.information, fitted_at: now }),
        )
        .execute();
      return { categoryId, before: current, after: fit.mapping, items: fit.items, information: fit.information };
    });
    out.push(changed);
  }
  return out;
}
