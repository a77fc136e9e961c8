import { pruneBackups } from '../../../db/backup/prune-backups.js';
import { recordAudit } from '../../../db/queries/audit-log.js';
import { backupsPruned } from '../../../observability/maintenance-metrics.js';
import { defineProcessor } from '../../runtime/processor.js';

/** backups/prune: deletes backups older than keepDays (default BACKUP_KEEP_DAYS), never the newest verified one. */
export const pruneBackupsProcessor = defineProcessor('backups', 'prune', async ({ keepDays }, ctx) => {
  const { config } = ctx.services;
  const now = ctx.services.now();
  const result = await pruneBackups(ctx.db, { config, keepDays: keepDays ?? config.BACKUP_KEEP_DAYS, now });
  backupsPruned.inc(result.removed.length);
  if (result.removed.length > 0) {
    await recordAudit(ctx.db, { actor: 'scheduler', action: 'backup.pruned', details: { removed: result.removed }, at: now });
  }
  return result;
});
