import { createHash } from 'node:crypto';
import { newBackupId } from '../../../db/backup/backup-id.js';
import { backupStoreFor } from '../../../db/backup/backup-store.js';
import { createBackup } from '../../../db/backup/create-backup.js';
import { recordAudit } from '../../../db/queries/audit-log.js';
import { backupLastSizeBytes, backupLastSuccessTimestamp } from '../../../observability/maintenance-metrics.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * backups/backup: a logical backup of every table into the backup store (db/backup/create-backup.ts).
 * The backup id derives from the job, so a retried job rewrites the same backup, not a second one.
 */
export const backupProcessor = defineProcessor('backups', 'backup', async ({ reason, requestedBy }, ctx) => {
  const backupId = newBackupId(ctx.job.enqueuedAt, createHash('sha256').update(ctx.job.id).digest('hex').slice(0, 6));
  const backup = await createBackup(ctx.db, { store: backupStoreFor(ctx.services.config, ctx.db), backupId, clock: ctx.services.now });
  backupLastSuccessTimestamp.set(Date.now() / 1000);
  backupLastSizeBytes.set(backup.bytes);
  await recordAudit(ctx.db, {
    actor: requestedBy ?? 'scheduler',
    action: 'backup.created',
    target: backup.backupId,
    details: { reason: reason ?? null, bytes: backup.bytes, rows: backup.rows, tables: backup.manifest.tables.length },
    at: ctx.services.now(),
  });
  ctx.log.info({ backupId: backup.backupId, bytes: backup.bytes, rows: backup.rows }, 'backup written');
  return {
    backupId: backup.backupId,
    path: backup.path,
    tables: backup.manifest.tables.length,
    rows: backup.rows,
    bytes: backup.bytes,
    schemaVersion: backup.manifest.schemaVersion,
  };
});
