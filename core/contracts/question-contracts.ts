import { createHash } from 'node:crypto';
import { z } from 'zod';
import { questionInputSchema } from '../bloom/question-input.js';
import { bloomScoreSchema } from '../bloom/bloom-score.js';

export const validatePayloadSchema = z.object({ question: questionInputSchema });
export type ValidatePayload = z.infer<typeof validatePayloadSchema>;

/** The validation result of DESIGN.md: the Bloom score plus the id the question is stored under. */
export const validationResultSchema = bloomScoreSchema.extend({ questionId: z.string() });
export type ValidationResult = z.infer<typeof validationResultSchema>;

/**
 * The hash of everything that goes into scoring a question. Same hash and same model version
 * means the stored validation still holds, so the question is not scored again.
 */
export function questionContentHash(question: z.infer<typeof questionInputSchema>): string {
  const scored = {
    text: question.text.trim(),
    type: question.type,
    learningObjective: question.learningObjective ?? null,
    options: question.options ?? null,
    answer: question.answer ?? null,
    difficulty: question.difficulty ?? null,
  };
  return createHash('sha256').update(JSON.stringify(scored)).digest('hex');
}

/** The caller's id, or one derived from the content so re-sending a question is idempotent. */
export function questionIdFor(question: z.infer<typeof questionInputSchema>, contentHash: string): string {
  return question.id ?? `q_${contentHash.slice(0, 32)}`;
}
