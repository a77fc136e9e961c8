import {
  generateSessionPayloadSchema,
  generateSessionResultSchema,
  learningPlanPayloadSchema,
  learningPlanResultSchema,
} from '../../core/contracts/session-contracts.js';
import { defaultJobOptions } from '../default-job-options.js';
import { defineJob, defineQueue } from '../define-queue.js';

export const sessionGenerationQueue = defineQueue('session-generation', {
  generate: defineJob({ payload: generateSessionPayloadSchema, result: generateSessionResultSchema, options: defaultJobOptions }),
  'learning-plan': defineJob({ payload: learningPlanPayloadSchema, result: learningPlanResultSchema, options: defaultJobOptions }),
});
