import { Router } from 'express';
import { z } from 'zod';
import { alertHistoryLimit, listAlertHistory, listFiringAlerts } from '../../db/queries/alerts.js';
import { parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(alertHistoryLimit).optional() }).strict();

/**
 * The alert engine's state for operators, read from PostgreSQL so every ingress instance answers
 * the same. Both answer a JSON array (DESIGN.md), newest first; each item is
 * `{id, key, rule, labels, severity, status, value, message, startedAt, resolvedAt, notifiedAt}`.
 */
export function alertRoutes(ctx: IngressContext): Router {
  const router = Router();

  router.get('/api/alerts/active', requireScope(ctx.keys, 'operator'), async (_req, res) => {
    res.json(await listFiringAlerts(ctx.db));
  });

  /** The last 200 alerts (or `?limit=`), firing or resolved. */
  router.get('/api/alerts/history', requireScope(ctx.keys, 'operator'), async (req, res) => {
    const { limit } = parseOr400(historyQuery, req.query, 'query string');
    res.json(await listAlertHistory(ctx.db, limit ?? alertHistoryLimit));
  });

  return router;
}
