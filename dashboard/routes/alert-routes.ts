import type { Router } from 'express';
import { z } from 'zod';
import { alertRuleInputSchema, alertRuleSchema } from '../../core/alerts/alert-rule.js';
import { deleteAlertRule, findAlertRule, insertAlertRule, listAlertRules, replaceAlertRule } from '../../db/queries/alert-rules.js';
import { alertHistoryLimit, listAlertHistory, listFiringAlerts } from '../../db/queries/alerts.js';
import { recordAudit } from '../../db/queries/audit-log.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(alertHistoryLimit).optional() }).strict();
const ruleId = alertRuleSchema.shape.id;
/** PUT takes the whole rule; its `id` may be left out, and if given must be the one in the path. */
const replacementSchema = alertRuleSchema.extend({ id: ruleId.optional() }).strict();

/**
 * The alert engine's state and rules for operators, read from PostgreSQL so every ingress instance
 * answers the same. `active` and `history` answer a JSON array, newest first; each item is
 * `{id, key, rule, labels, severity, status, metric, value, threshold, operator, message,
 * occurredAt, startedAt, resolvedAt, notifiedAt}`.
 *
 * Rules (`/api/alerts/rules`) are data: every change is validated against the rule schema, takes
 * effect at the next evaluation on every process, and is written to the audit log with the rule
 * before and after (on top of the audit middleware's entry for the request).
 */
export function alertRoutes(ctx: IngressContext, router: Router): void {
  const operator = requireScope(ctx.keys, 'operator');

  router.get('/api/alerts/active', operator, async (_req, res) => {
    res.json(await listFiringAlerts(ctx.db));
  });

  /** The last 200 alerts (or `?limit=`), firing or resolved. */
  router.get('/api/alerts/history', operator, async (req, res) => {
    const { limit } = parseOr400(historyQuery, req.query, 'query string');
    res.json(await listAlertHistory(ctx.db, limit ?? alertHistoryLimit));
  });

  router.get('/api/alerts/rules', operator, async (_req, res) => {
    res.json(await listAlertRules(ctx.db));
  });

  router.get('/api/alerts/rules/:id', operator, async (req, res) => {
    const id = parseOr400(ruleId, req.params.id, 'rule id');
    const rule = await findAlertRule(ctx.db, id);
    if (!rule) throw new HttpError(404, 'not_found', `no alert rule ${id}`);
    res.json(rule);
  });

  router.post('/api/alerts/rules', operator, async (req, res) => {
    const rule = parseOr400(alertRuleInputSchema, req.body, 'alert rule');
    if (!(await insertAlertRule(ctx.db, rule))) throw new HttpError(409, 'conflict', `alert rule ${rule.id} exists; PUT /api/alerts/rules/${rule.id} replaces it`);
    await recordAudit(ctx.db, { actor: `key:${req.caller!.keyId}`, action: 'alert-rule.created', target: rule.id, details: { after: rule } });
    res.status(201).json(rule);
  });

  router.put('/api/alerts/rules/:id', operator, async (req, res) => {
    const id = parseOr400(ruleId, req.params.id, 'rule id');
    const body = parseOr400(replacementSchema, req.body, 'alert rule');
    if (body.id !== undefined && body.id !== id) throw new HttpError(400, 'invalid_request', `the body names rule ${body.id}, the path ${id}`);
    const rule = { ...body, id };
    const before = await findAlertRule(ctx.db, id);
    if (!before || !(await replaceAlertRule(ctx.db, rule))) throw new HttpError(404, 'not_found', `no alert rule ${id}; POST /api/alerts/rules creates one`);
    await recordAudit(ctx.db, { actor: `key:${req.caller!.keyId}`, action: 'alert-rule.replaced', target: id, details: { before, after: rule } });
    res.json(rule);
  });

  router.delete('/api/alerts/rules/:id', operator, async (req, res) => {
    const id = parseOr400(ruleId, req.params.id, 'rule id');
    const before = await findAlertRule(ctx.db, id);
    if (!before || !(await deleteAlertRule(ctx.db, id))) throw new HttpError(404, 'not_found', `no alert rule ${id}`);
    await recordAudit(ctx.db, { actor: `key:${req.caller!.keyId}`, action: 'alert-rule.deleted', target: id, details: { before } });
    res.status(204).end();
  });

}
