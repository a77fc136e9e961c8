import { type Request, type Router } from 'express';
import { z } from 'zod';
import { idSchema } from '../../core/contracts/identifiers.js';
import { jobIds } from '../../core/contracts/ids.js';
import { recordAudit } from '../../db/queries/audit-log.js';
import { eraseLearner } from '../../db/queries/learner-erasure.js';
import { findLearnerExport } from '../../db/queries/learner-exports.js';
import { findJob } from '../../pipelines/queue-status.js';
import { enqueueAndRespond, parseWait } from '../enqueue-response.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

/** Who asked, for the audit log and the job payload: the API key id. */
export const actorOf = (req: Request) => (req.caller ? `key:${req.caller.keyId}` : 'unknown');

const exportParams = z.object({ userId: idSchema, exportId: idSchema });

/**
 * GDPR: export everything held about a learner, and erase a learner. Operator only. Audited: the
 * requests by the ingress's operator-mutation audit (middleware/audit-operator-actions.ts), the
 * downloads here, the completed export and erasure by their jobs.
 * (The 404 for an erased learner comes from learner-erasure-guard.ts, mounted before this.)
 */
export function gdprRoutes(ctx: IngressContext, router: Router): void {
  const operator = requireScope(ctx.keys, 'operator');

  router.post('/api/users/:userId/export', operator, async (req, res) => {
    const userId = parseOr400(idSchema, req.params.userId, 'userId');
    const jobId = jobIds.gdprExport(userId, ctx.now());
    await enqueueAndRespond(ctx, req, res, 'retention-cleanup', 'gdpr-export', { userId, requestedBy: actorOf(req) }, { jobId });
  });

  /** The bundle as a file download; 409 while the export job is still running. */
  router.get('/api/users/:userId/export/:exportId', operator, async (req, res) => {
    const { userId, exportId } = parseOr400(exportParams, req.params, 'path');
    // From Postgres: whichever worker built the bundle, every ingress can hand it over.
    const bundle = await findLearnerExport(ctx.db, userId, exportId, ctx.now());
    if (!bundle) {
      const found = await findJob(ctx.producer.queue('retention-cleanup'), exportId);
      const state = found && found.job.name === 'gdpr-export' && (found.job.data as { userId?: string }).userId === userId ? found.state : undefined;
      if (state && state !== 'completed' && state !== 'failed') throw new HttpError(409, 'not_ready', `export ${exportId} is ${state}; try again shortly`);
      throw new HttpError(404, 'not_found', `no export ${exportId} for learner ${userId} (never made, or removed after 7 days)`);
    }
    await recordAudit(ctx.db, { actor: actorOf(req), action: 'gdpr.export.downloaded', target: userId, ip: req.ip, details: { exportId } });
    res.status(200);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', String(bundle.body.length));
    res.setHeader('content-disposition', `attachment; filename="learner-${userId}-${exportId}.json"`);
    res.setHeader('cache-control', 'no-store');
    res.end(bundle.body);
  });

  /**
   * Erasure: the learner is soft-deleted and anonymised here, synchronously, so they vanish from
   * every endpoint before this answers; the job deletes their export bundles, and the retention
   * sweep hard-deletes everything else after the grace period (30 days).
   */
  router.delete('/api/users/:userId', operator, async (req, res) => {
    const userId = parseOr400(idSchema, req.params.userId, 'userId');
    // DANGEROUS SPOT: erasing acts before enqueueing. Validate the whole request first, or a bad
    // `?wait` erased the learner and then answered 400 with no erase job behind it.
    parseWait(req);
    const erasedAt = await eraseLearner(ctx.db, userId, ctx.now());
    await ctx.cache.forget('profile', [userId]);
    // Same erasure, same job: repeating the request neither re-runs nor duplicates anything.
    const jobId = jobIds.gdprErase(userId, erasedAt);
    await enqueueAndRespond(ctx, req, res, 'retention-cleanup', 'gdpr-erase', { userId, requestedBy: actorOf(req) }, { jobId });
  });

}
