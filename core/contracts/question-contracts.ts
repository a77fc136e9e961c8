import { hash } from 'node:crypto';
import { z } from 'zod';
import { questionInputSchema } from '../bloom/question-input.js';
import { bloomScoreSchema } from '../bloom/bloom-score.js';

export const validatePayloadSchema = z.object({ question: questionInputSchema });
export type ValidatePayload = z.infer<typeof validatePayloadSchema>;

/** The validation result: the Bloom score plus the id the question is stored under. */
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
    // Only when given: every hash (and every derived question id) from before the field existed
    // stays the same.
    ...(question.intendedLevel !== undefined ? { intendedLevel: question.intendedLevel } : {}),
  };
  return hash('sha256', JSON.stringify(scored), 'hex');
}

/** The caller's id, or one derived from the content so re-sending a question is idempotent. */
export function questionIdFor(question: z.infer<typeof questionInputSchema>, contentHash: string): string {
  return question.id ?? `q_${contentHash.slice(0, 32)}`;
}

/** Bulk import: at most this many questions per request, scored in chunks of `importChunkSize`. */
export const maxImportQuestions = 10_000;
export const importChunkSize = 100;

/** A row that could not be stored; `index` is its position in the request (absent for a whole failed chunk). */
const rowErrorSchema = z.object({ index: z.number().int().nonnegative().optional(), message: z.string().max(500) });
export type RowError = z.infer<typeof rowErrorSchema>;
const levelCountsSchema = z.record(z.string(), z.number().int().nonnegative());

/** One chunk of an import: a flow child of the import-batch job. */
export const validateChunkPayloadSchema = z.object({
  importId: z.string().min(1).max(100),
  chunkIndex: z.number().int().nonnegative(),
  /** Each question's row index in the original request, for error reports. */
  indices: z.array(z.number().int().nonnegative()).max(500),
  questions: z.array(questionInputSchema).min(1).max(500),
});
export const validateChunkResultSchema = z.object({
  chunkIndex: z.number().int().nonnegative(),
  scored: z.number().int().nonnegative(),
  /** Already stored with the same content and model version: not scored again. */
  alreadyStored: z.number().int().nonnegative(),
  byLevel: levelCountsSchema,
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errors: z.array(rowErrorSchema),
});

/** The import's parent job; runs once every chunk has finished. */
export const importBatchPayloadSchema = z.object({
  importId: z.string().min(1).max(100),
  total: z.number().int().nonnegative().max(maxImportQuestions),
  chunks: z.number().int().nonnegative(),
  /** Rows refused at the edge (invalid), counted as errors in the summary. */
  rejected: z.array(rowErrorSchema).max(maxImportQuestions),
});
export const importBatchResultSchema = z.object({
  importId: z.string(),
  total: z.number().int().nonnegative(),
  stored: z.number().int().nonnegative(),
  scored: z.number().int().nonnegative(),
  alreadyStored: z.number().int().nonnegative(),
  byLevel: levelCountsSchema,
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** The first errors, by row index in the request. */
  errorSamples: z.array(rowErrorSchema).max(100),
});
export type ImportBatchResult = z.infer<typeof importBatchResultSchema>;
