import { questionContentHash, questionIdFor, type ValidationResult } from '../../../core/contracts/question-contracts.js';
import { recordAnalyticsEvents } from '../../../db/queries/analytics.js';
import { findStoredValidations, saveValidatedQuestions, toValidationResult } from '../../../db/queries/questions.js';
import { observeValidations } from '../../../observability/learning-metrics.js';
import { defineProcessor } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';
import { validationEvent, validationTrace } from './validation-records.js';

/**
 * question-validation/validate: scores one question on the Bloom pool and stores it with its
 * validation. A question whose content and model version are already stored is not scored again.
 */
export const validateProcessor = defineProcessor('question-validation', 'validate', async ({ question }, ctx) => {
  const contentHash = questionContentHash(question);
  const questionId = questionIdFor(question, contentHash);
  const modelVersion = ctx.services.bloom.modelVersion;

  const [stored] = await findStoredValidations(ctx.db, [{ id: questionId, contentHash }], modelVersion);
  if (stored) {
    ctx.log.debug({ questionId }, 'already validated with this model; reusing the stored result');
    return toValidationResult(stored) as ValidationResult;
  }

  const scored = { id: questionId, contentHash, input: question, score: await ctx.services.bloom.score(question) };
  await ctx.db.transaction().execute(async (trx) => {
    await saveValidatedQuestions(trx, [scored]);
    await recordAnalyticsEvents(trx, [validationEvent(scored, ctx.job.enqueuedAt)]);
  });
  await ctx.services.cache.invalidate('question', [questionId]);
  observeValidations([scored.score]);
  await sendTraces(ctx, [validationTrace(scored, ctx.job.enqueuedAt)]);
  return { questionId, ...scored.score };
});
