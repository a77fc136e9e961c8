import { questionContentHash, questionIdFor, type ValidationResult } from '../../../core/contracts/question-contracts.js';
import { findStoredValidations, saveValidatedQuestions, toValidationResult } from '../../../db/queries/questions.js';
import { defineProcessor } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';

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

  const score = await ctx.services.bloom.score(question);
  await saveValidatedQuestions(ctx.db, [{ id: questionId, contentHash, input: question, score }]);
  await sendTraces(ctx, [
    {
      decisionId: `validation-${questionId}-${contentHash.slice(0, 12)}-${score.modelVersion}`.slice(0, 200),
      kind: 'question-validation',
      createdAt: ctx.job.enqueuedAt.toISOString(),
      inputs: { questionId, text: question.text, type: question.type, learningObjective: question.learningObjective ?? null },
      outputs: { level: score.level, qualityScore: score.qualityScore, passed: score.passed, evidence: score.evidence },
      modelVersion: score.modelVersion,
    },
  ]);
  return { questionId, ...score };
});
