import { z } from 'zod';
import { defaultJobOptions } from '../default-job-options.js';
import { defineJob, defineQueue } from '../define-queue.js';

// PLACEHOLDER until core/contracts/session-contracts.ts lands (issue 4).
const loose = z.object({}).passthrough();
export const sessionGenerationQueue = defineQueue('session-generation', {
  generate: defineJob({ payload: loose, result: loose, options: defaultJobOptions }),
  'learning-plan': defineJob({ payload: loose, result: loose, options: defaultJobOptions }),
});
