import {
  importBatchPayloadSchema,
  importBatchResultSchema,
  validateChunkPayloadSchema,
  validateChunkResultSchema,
  validatePayloadSchema,
  validationResultSchema,
} from '../../core/contracts/question-contracts.js';
import { defaultJobOptions } from '../default-job-options.js';
import { defineJob, defineQueue } from '../define-queue.js';

export const questionValidationQueue = defineQueue('question-validation', {
  validate: defineJob({ payload: validatePayloadSchema, result: validationResultSchema, options: defaultJobOptions }),
  /** Bulk import's parent: waits for its validate-chunk children, then sums them up. */
  'import-batch': defineJob({ payload: importBatchPayloadSchema, result: importBatchResultSchema, options: defaultJobOptions }),
  'validate-chunk': defineJob({
    payload: validateChunkPayloadSchema,
    result: validateChunkResultSchema,
    // A chunk that fails for good must not leave its parent waiting forever: the parent runs anyway
    // and counts the chunk's questions as errors.
    options: { ...defaultJobOptions, ignoreDependencyOnFailure: true },
  }),
});
