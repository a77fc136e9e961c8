import { calibrationByDay, rollupDay, storeDailyCalibration } from '../../../db/queries/analytics.js';
import { defineProcessor } from '../../runtime/processor.js';

/** The UTC calendar day before `now`, as YYYY-MM-DD. */
export function previousUtcDay(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1)).toISOString().slice(0, 10);
}

/**
 * retention-cleanup/rollup: rolls one UTC day of analytics up into analytics_daily (default:
 * yesterday, which is what the daily scheduler runs). Idempotent: an upsert keyed by the day, so a
 * retry or a replay for the same day rewrites the same row.
 */
export const rollupProcessor = defineProcessor('retention-cleanup', 'rollup', async (payload, ctx) => {
  const day = payload.day ?? previousUtcDay(ctx.services.now());
  const row = await rollupDay(ctx.db, day);
  // Predicted vs observed success of the day's answers (log-loss, Brier, ECE, AUC).
  const [calibration] = (await calibrationByDay(ctx.db, day, day)).days;
  await storeDailyCalibration(ctx.db, day, calibration ?? null);
  ctx.log.info({ day, sessions: row.sessions, activeLearners: row.activeLearners }, 'analytics rolled up');
  return { ...row, ...(calibration ? { calibration } : {}) };
});
