import type { Router } from 'express';
import { z } from 'zod';
import { idSchema } from '../../core/contracts/identifiers.js';
import { getBackup, listBackups, toBackupView } from '../../db/queries/backups.js';
import { enqueueAndRespond } from '../enqueue-response.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';
import { actorOf } from './gdpr-routes.js';
import { jobIds } from '../../core/contracts/ids.js';

const backupBody = z.object({ reason: z.string().max(200).optional() }).strict();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * Backups on demand, the catalogue, and verification on demand. Operator only. The requests are
 * audited by middleware/audit-operator-actions.ts, the backups and verifications by their jobs.
 */
export function backupRoutes(ctx: IngressContext, router: Router): void {
  const operator = requireScope(ctx.keys, 'operator');

  router.post('/api/admin/backups', operator, async (req, res) => {
    const { reason } = parseOr400(backupBody, req.body ?? {}, 'body');
    const jobId = jobIds.manualBackup(ctx.now());
    await enqueueAndRespond(ctx, req, res, 'backups', 'backup', { reason, requestedBy: actorOf(req) }, { jobId });
  });

  /** The catalogue, newest first: status, size, rows, schema version, verification. */
  router.get('/api/admin/backups', operator, async (req, res) => {
    const { limit } = parseOr400(listQuery, req.query, 'query string');
    res.json({ items: (await listBackups(ctx.db, limit)).map(toBackupView) });
  });

  router.post('/api/admin/backups/:backupId/verify', operator, async (req, res) => {
    const backupId = parseOr400(idSchema, req.params.backupId, 'backupId');
    const backup = await getBackup(ctx.db, backupId);
    if (!backup) throw new HttpError(404, 'not_found', `no backup with id ${backupId}`);
    if (backup.status !== 'completed') throw new HttpError(409, 'not_completed', `backup ${backupId} is ${backup.status}; only a completed backup can be verified`);
    const jobId = jobIds.verifyBackup(backupId, ctx.now());
    await enqueueAndRespond(ctx, req, res, 'backups', 'verify', { backupId, requestedBy: actorOf(req) }, { jobId });
  });

}
