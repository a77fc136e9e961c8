import { validatePayloadSchema, validationResultSchema } from '../../core/contracts/question-contracts.js';
import { defaultJobOptions } from '../default-job-options.js';
import { defineJob, defineQueue } from '../define-queue.js';

export const questionValidationQueue = defineQueue('question-validation', {
  validate: defineJob({ payload: validatePayloadSchema, result: validationResultSchema, options: defaultJobOptions }),
});
