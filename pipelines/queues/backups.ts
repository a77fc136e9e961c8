import * as c from '../../core/contracts/maintenance-contracts.js';
import { maintenanceJobOptions } from '../default-job-options.js';
import { defineJob, defineQueue } from '../define-queue.js';

export const backupsQueue = defineQueue('backups', {
  backup: defineJob({ payload: c.backupPayloadSchema, result: c.backupResultSchema, options: maintenanceJobOptions }),
  verify: defineJob({ payload: c.verifyBackupPayloadSchema, result: c.verifyBackupResultSchema, options: maintenanceJobOptions }),
  prune: defineJob({ payload: c.pruneBackupsPayloadSchema, result: c.pruneBackupsResultSchema, options: maintenanceJobOptions }),
});
