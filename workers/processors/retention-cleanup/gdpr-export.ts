import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { idSchema } from '../../../core/contracts/identifiers.js';
import { fileRetentionDays } from '../../../core/retention/retention-policies.js';
import { writeLearnerExport } from '../../../db/gdpr/write-learner-export.js';
import { recordAudit } from '../../../db/queries/audit-log.js';
import { isLearnerErased } from '../../../db/queries/learner-erasure.js';
import { defineProcessor } from '../../runtime/processor.js';

/** The export id names the bundle file: the job id when it is a safe name, else a digest of it. */
export function exportIdFor(jobId: string): string {
  return idSchema.safeParse(jobId).success ? jobId : `export-${createHash('sha256').update(jobId).digest('hex').slice(0, 24)}`;
}

/**
 * retention-cleanup/gdpr-export: writes everything held about a learner to one JSON bundle, kept in
 * Postgres for 7 days, for the operator to download from any ingress (GET
 * /api/users/:userId/export/:exportId). A retry rewrites the same bundle. An erased learner has
 * nothing left to export.
 */
export const gdprExportProcessor = defineProcessor('retention-cleanup', 'gdpr-export', async ({ userId, requestedBy }, ctx) => {
  if (await isLearnerErased(ctx.db, userId)) throw new UnrecoverableError(`learner ${userId} has been erased; there is nothing to export`);
  const exportId = exportIdFor(ctx.job.id);
  const generatedAt = ctx.services.now();
  const expiresAt = new Date(generatedAt.getTime() + fileRetentionDays.exports * 86_400_000);
  const written = await writeLearnerExport(ctx.db, { userId, exportId, generatedAt, expiresAt });
  await recordAudit(ctx.db, {
    actor: requestedBy ?? 'system',
    action: 'gdpr.export.completed',
    target: userId,
    details: { exportId, bytes: written.bytes, rows: written.rows },
    at: generatedAt,
  });
  return {
    userId,
    exportId,
    expiresAt: expiresAt.toISOString(),
    bytes: written.bytes,
    rows: written.rows,
    downloadUrl: `/api/users/${encodeURIComponent(userId)}/export/${encodeURIComponent(exportId)}`,
  };
});
