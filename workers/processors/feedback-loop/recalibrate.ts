import { resolveAdaptiveConfig } from '../../../core/adaptive-config.js';
import { recalibrateDifficulties } from '../../../db/queries/difficulty-mappings.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * feedback-loop/recalibrate (scheduled, CRON_RECALIBRATION): refits each category's stated-level →
 * difficulty mapping from the items' evidence and moves every item's prior with it
 * (core/learner/difficulty-calibration.ts). Idempotent by construction: a second run fits the
 * same mapping and moves nothing, so a retried or doubled job is harmless.
 */
export const recalibrateProcessor = defineProcessor('feedback-loop', 'recalibrate', async (_payload, ctx) => {
  const settings = resolveAdaptiveConfig().calibration;
  const categories = await recalibrateDifficulties(ctx.db, settings, ctx.services.now());
  ctx.log.info({ categories: categories.length }, 'difficulty mappings recalibrated');
  return { categories };
});
