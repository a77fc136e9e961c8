import { decisionTraceSchema, recordTraceResultSchema, recordTracesPayloadSchema } from '../../core/contracts/decision-trace.js';
import { defaultJobOptions } from '../default-job-options.js';
import { defineJob, defineQueue } from '../define-queue.js';

export const decisionInsightsQueue = defineQueue('decision-insights', {
  record: defineJob({
    payload: decisionTraceSchema,
    result: recordTraceResultSchema,
    // Traces are many and small: keep fewer finished jobs around.
    options: { ...defaultJobOptions, removeOnComplete: { age: 3600, count: 1_000 } },
  }),
  'record-batch': defineJob({
    payload: recordTracesPayloadSchema,
    result: recordTraceResultSchema,
    options: { ...defaultJobOptions, removeOnComplete: { age: 3600, count: 1_000 } },
  }),
});
