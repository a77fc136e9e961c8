import { resolveAdaptiveConfig } from '../../../core/adaptive-config.js';
import { recalibrateDifficulties } from '../../../db/queries/difficulty-mappings.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * feedback-loop/recalibrate (scheduled, CRON_RECALIBRATION): refits each category's stated-level →
 * difficulty mapping from the items' evidence and moves every item's prior with it
 * (core/learner/difficulty-calibration.ts). Idempotent by construction: a second run fits the
 * same mapping and moves nothing, so a retried or doubled job is harmless.
 *
 * Moving a mapping rewrites the rating of every question of its category, and `GET
 * /api/questions/:id` serves the rating from the read-through cache: the question family is cleared
 * (every process, as the retention sweep clears sessions) once a mapping moved, so no read answers
 * the rating from before the refit.
 */
export const recalibrateProcessor = defineProcessor('feedback-loop', 'recalibrate', async (_payload, ctx) => {
  const settings = resolveAdaptiveConfig().calibration;
  const categories = await recalibrateDifficulties(ctx.db, settings, ctx.services.now());
  const moved = categories.some((c) => c.after.scale !== c.before.scale || c.after.offset !== c.before.offset);
  if (moved) await ctx.services.cache.clear('question');
  ctx.log.info({ categories: categories.length }, 'difficulty mappings recalibrated');
  return { categories };
});
