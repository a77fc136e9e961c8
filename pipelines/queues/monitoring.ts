import * as c from '../../core/contracts/maintenance-contracts.js';
import { defineJob, defineQueue } from '../define-queue.js';

export const monitoringQueue = defineQueue('monitoring', {
  'evaluate-alerts': defineJob({
    payload: c.evaluateAlertsPayloadSchema,
    result: c.evaluateAlertsResultSchema,
    // An evaluation that fails is simply superseded by the next one; never retry a stale one.
    options: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  }),
});
