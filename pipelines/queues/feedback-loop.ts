import {
  feedbackResultsPayloadSchema,
  feedbackResultsResultSchema,
  recalibratePayloadSchema,
  recalibrateResultSchema,
} from '../../core/contracts/session-contracts.js';
import { defaultJobOptions } from '../default-job-options.js';
import { defineJob, defineQueue } from '../define-queue.js';

export const feedbackLoopQueue = defineQueue('feedback-loop', {
  results: defineJob({ payload: feedbackResultsPayloadSchema, result: feedbackResultsResultSchema, options: defaultJobOptions }),
  /** Scheduled (CRON_RECALIBRATION): refit the level → difficulty mappings from the items' evidence. */
  recalibrate: defineJob({ payload: recalibratePayloadSchema, result: recalibrateResultSchema, options: defaultJobOptions }),
});
