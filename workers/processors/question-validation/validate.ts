import { questionContentHash, questionIdFor } from '../../../core/contracts/question-contracts.js';
import { defineProcessor } from '../../runtime/processor.js';
import { validationBatcherFor } from './validation-batcher.js';

/**
 * question-validation/validate: scores one question on the Bloom pool and stores it with its
 * validation. The work is shared with the other `validate` jobs in flight in this process — one
 * lookup, one scoring call, one write and one trace job per batch (validation-batcher.ts). A
 * question whose content and model version are already stored is not scored again.
 */
export const validateProcessor = defineProcessor('question-validation', 'validate', async ({ question }, ctx) => {
  // Hashed once here; the batcher, the store, the event and the trace all reuse it.
  const contentHash = questionContentHash(question);
  const { result } = await validationBatcherFor(ctx.services).validate({
    id: questionIdFor(question, contentHash),
    contentHash,
    question,
    enqueuedAt: ctx.job.enqueuedAt,
    // Read only if the batch logs about this job: the job's logger is made on first use.
    get log() {
      return ctx.log;
    },
  });
  return result;
});
