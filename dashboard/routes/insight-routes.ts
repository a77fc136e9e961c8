import type { Router } from 'express';
import { z } from 'zod';
import { decisionTraceSchema } from '../../core/contracts/decision-trace.js';
import { idSchema } from '../../core/contracts/identifiers.js';
import { DecisionInsightCache } from '../../db/cache/decision-insight-cache.js';
import { findDecisionInsight, listUserDecisionInsights } from '../../db/queries/decision-insights.js';
import { insightCacheHits, insightCacheMisses } from '../../observability/insight-metrics.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { decodeCursor, encodeCursor } from '../keyset-cursor.js';
import { requireScope } from '../middleware/api-key-auth.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(600).optional(),
});

/** A real calendar instant in the exact form listUserDecisionInsights hands out. */
const exactInstant = z
  .string()
  .regex(/^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/)
  .refine((s) => {
    const [y, m, d] = s.slice(0, 10).split('-').map(Number);
    const date = new Date(Date.UTC(y!, m! - 1, d!));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m! - 1 && date.getUTCDate() === d;
  });
const insightCursor = z.tuple([exactInstant, decisionTraceSchema.shape.decisionId]);

export function insightRoutes(ctx: IngressContext, router: Router): void {
  const producer = requireScope(ctx.keys, 'producer');
  const cache = new DecisionInsightCache(ctx.redis, ctx.config.QUEUE_PREFIX);

  /** Cache-first: Redis, then Postgres (filling the cache). A Redis outage degrades to Postgres reads. */
  router.get('/api/insights/:decisionId', producer, async (req, res) => {
    const decisionId = parseOr400(decisionTraceSchema.shape.decisionId, req.params.decisionId, 'decisionId');
    const cached = await cache.get(decisionId).catch((error: Error) => {
      req.log.warn({ err: { message: error.message } }, 'insight cache unavailable; reading Postgres');
      return undefined;
    });
    ctx.requestStats?.cacheLookup('insight', cached !== undefined);
    if (cached) {
      insightCacheHits.inc();
      res.json(cached);
      return;
    }
    insightCacheMisses.inc();
    const trace = await findDecisionInsight(ctx.db, decisionId);
    if (!trace) throw new HttpError(404, 'not_found', `no decision with id ${decisionId}`);
    await cache.put(trace).catch(() => {}); // best effort; the answer does not depend on it
    res.json(trace);
  });

  /** A learner's decisions, newest first; `nextCursor` is null on the last page. */
  router.get('/api/users/:userId/insights', producer, async (req, res) => {
    const userId = parseOr400(idSchema, req.params.userId, 'userId');
    const { limit, cursor } = parseOr400(listQuery, req.query, 'query string');
    const after = cursor === undefined ? undefined : decodeCursor(insightCursor, cursor);
    const page = await listUserDecisionInsights(ctx.db, userId, {
      limit,
      after: after && { createdAt: after[0], decisionId: after[1] },
    });
    res.json({
      items: page.items,
      nextCursor: page.next ? encodeCursor([page.next.createdAt, page.next.decisionId]) : null,
    });
  });

}
