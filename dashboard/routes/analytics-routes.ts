import type { Router } from 'express';
import { z } from 'zod';
import { dayStringSchema } from '../../core/contracts/maintenance-contracts.js';
import { calibrationByDay, listDailyRollups } from '../../db/queries/analytics.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

/** At most this many days per request (a year and a day: any one-year window fits). */
export const MAX_ROLLUP_DAYS = 366;
const DAY_MS = 86_400_000;

const query = z.object({ from: dayStringSchema.optional(), to: dayStringSchema.optional() });

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function analyticsRoutes(ctx: IngressContext, router: Router): void {

  /**
   * Daily roll-ups from..to inclusive (UTC days, YYYY-MM-DD), oldest first. Defaults: `to` is
   * yesterday (the newest day the scheduler has rolled up), `from` 29 days before `to`. Days not
   * rolled up yet are absent, not zero.
   */
  router.get('/api/analytics/daily', requireScope(ctx.keys, 'operator'), async (req, res) => {
    const parsed = parseOr400(query, req.query, 'query string');
    const now = ctx.now();
    const to = parsed.to ?? dayOf(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
    const from = parsed.from ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
    const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (span < 1) throw new HttpError(400, 'invalid_request', `from (${from}) must not be after to (${to})`);
    if (span > MAX_ROLLUP_DAYS) throw new HttpError(400, 'invalid_request', `at most ${MAX_ROLLUP_DAYS} days per request; asked for ${span}`);
    res.json({ from, to, items: await listDailyRollups(ctx.db, from, to) });
  });

  /**
   * Predicted vs observed success (every answer against the predicted success of its pick):
   * log-loss, Brier score, ECE over 10 bins and AUC, per UTC day from..to and over the whole
   * window. Computed from the stored answers, so today's figures are live. Defaults: the last 30
   * days up to today.
   */
  router.get('/api/analytics/calibration', requireScope(ctx.keys, 'operator'), async (req, res) => {
    const parsed = parseOr400(query, req.query, 'query string');
    const now = ctx.now();
    const to = parsed.to ?? dayOf(now.getTime());
    const from = parsed.from ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
    const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (span < 1) throw new HttpError(400, 'invalid_request', `from (${from}) must not be after to (${to})`);
    if (span > MAX_ROLLUP_DAYS) throw new HttpError(400, 'invalid_request', `at most ${MAX_ROLLUP_DAYS} days per request; asked for ${span}`);
    const { days, overall } = await calibrationByDay(ctx.db, from, to);
    res.json({ from, to, bins: 10, overall, days });
  });

}
