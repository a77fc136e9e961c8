import { UnrecoverableError } from 'bullmq';
import { backupSourceAt } from '../../../db/backup/backup-store.js';
import { backupManifestSchema } from '../../../db/backup/manifest.js';
import { verifyBackup } from '../../../db/backup/verify-backup.js';
import { recordAudit } from '../../../db/queries/audit-log.js';
import { getBackup, newestCompletedBackup, recordBackupVerification } from '../../../db/queries/backups.js';
import { backupVerifications } from '../../../observability/maintenance-metrics.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * backups/verify: checksums and a test restore of one backup (default: the newest completed),
 * recorded in the catalogue. A backup that fails verification fails the job for good, with every
 * problem in the message, so it shows in the dead-letter count, Bull Board and the alert rules.
 */
export const verifyBackupProcessor = defineProcessor('backups', 'verify', async ({ backupId, requestedBy }, ctx) => {
  const row = backupId ? await getBackup(ctx.db, backupId) : await newestCompletedBackup(ctx.db);
  if (!row) throw new UnrecoverableError(backupId ? `no backup with id ${backupId}` : 'there is no completed backup to verify');
  if (row.status !== 'completed' || !row.path) throw new UnrecoverableError(`backup ${row.id} is ${row.status}; only a completed backup can be verified`);

  const recorded = backupManifestSchema.safeParse(row.manifest);
  const outcome = await verifyBackup(ctx.db, { source: backupSourceAt(row.path, ctx.db), cataloguedManifest: recorded.success ? recorded.data : null });
  const at = ctx.services.now();
  await recordBackupVerification(ctx.db, row.id, outcome.ok, outcome.problems, at);
  backupVerifications.inc({ result: outcome.ok ? 'passed' : 'failed' });
  await recordAudit(ctx.db, {
    actor: requestedBy ?? 'scheduler',
    action: outcome.ok ? 'backup.verified' : 'backup.verification-failed',
    target: row.id,
    details: { problems: outcome.problems.slice(0, 20) },
    at,
  });
  if (!outcome.ok) {
    ctx.log.error({ backupId: row.id, problems: outcome.problems }, 'backup failed verification');
    throw new UnrecoverableError(`backup ${row.id} failed verification:\n  - ${outcome.problems.join('\n  - ')}`);
  }
  return { backupId: row.id, ok: true, problems: [], tables: outcome.tables };
});
