import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../../db/database.js';
import { recordAudit } from '../../db/queries/audit-log.js';
import type { Logger } from '../../observability/logger.js';

const mutatingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `/api/admin/queues/:queue/replay-failed`: the route's pattern, so the log groups by action. */
export function routePattern(req: Request): string | undefined {
  return req.route?.path === undefined ? undefined : `${req.baseUrl ?? ''}${String(req.route.path)}`;
}

/**
 * Audits every mutation on an operator route — the admin endpoints and Bull Board's actions under
 * `/admin/queues/api` — once its answer is known: who (the key id), what (method and route), on what
 * (the concrete path), when, from where (client IP) and how it ended (status). A producer key refused
 * with 403 is audited too; a request without a valid key is not (there is no "who"; the access log
 * has it).
 *
 * The entry is written after the response, so a Postgres that is down cannot turn an operator action
 * into an error; a failed write is logged at error level with the whole entry, so it is not lost.
 * Request bodies are never recorded: they may carry learner data.
 *
 * Careful: because the write happens after the answer, two actions in quick succession would race
 * for pool connections and could land in the log in the wrong order (seen in CI: a pause logged
 * before the replay that preceded it). Entries therefore carry the time the action finished, and
 * this process writes them one after another, in that order.
 */
export function auditOperatorActions(db: Db, logger: Logger) {
  let previousWrite: Promise<void> = Promise.resolve();
  const middleware = (req: Request, res: Response, next: NextFunction) => {
    if (!mutatingMethods.has(req.method)) return next();
    // 'finish' comes at most once per response (`on`: see http-metrics.ts).
    res.on('finish', () => {
      if (req.requiredScope !== 'operator' || !req.caller) return;
      const path = req.originalUrl.split('?')[0] ?? '';
      const entry = {
        actor: `key:${req.caller.keyId}`,
        action: `${req.method} ${routePattern(req) ?? path}`,
        target: path,
        ip: req.ip ?? null,
        details: { status: res.statusCode, scope: req.caller.scope, requestId: String(req.id ?? '') },
        at: new Date(),
      };
      previousWrite = previousWrite
        .then(() => recordAudit(db, entry))
        .catch((error: Error) =>
          logger.error({ audit: entry, err: { message: error.message } }, 'could not write the audit log entry'),
        );
    });
    next();
  };
  // `written` resolves once every entry queued so far is written (or logged as lost).
  return Object.assign(middleware, { written: () => previousWrite });
}
