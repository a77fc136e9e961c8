import * as c from '../../core/contracts/maintenance-contracts.js';
import { maintenanceJobOptions } from '../default-job-options.js';
import { defineJob, defineQueue } from '../define-queue.js';

export const retentionCleanupQueue = defineQueue('retention-cleanup', {
  sweep: defineJob({ payload: c.sweepPayloadSchema, result: c.sweepResultSchema, options: maintenanceJobOptions }),
  'gdpr-export': defineJob({ payload: c.gdprPayloadSchema, result: c.gdprExportResultSchema, options: maintenanceJobOptions }),
  'gdpr-erase': defineJob({ payload: c.gdprPayloadSchema, result: c.gdprEraseResultSchema, options: maintenanceJobOptions }),
  rollup: defineJob({ payload: c.rollupPayloadSchema, result: c.rollupResultSchema, options: maintenanceJobOptions }),
});
