import { z } from 'zod';
import { QUESTION_TYPES } from './levels.js';

/**
 * A question to validate, as upstream services send it. Bounds keep one hostile payload from
 * costing a worker thread more than a few milliseconds (the scorer also caps tokens it reads).
 */
export const questionInputSchema = z.object({
  id: z.string().min(1).max(200).optional(),
  text: z.string().trim().min(1).max(5000),
  type: z.enum(QUESTION_TYPES),
  /** Author's difficulty estimate, 1 (easiest) … 5 (hardest). */
  difficulty: z.number().min(1).max(5).optional(),
  categoryId: z.string().min(1).max(200).optional(),
  learningObjective: z.string().trim().max(2000).optional(),
  options: z.array(z.string().max(1000)).max(20).optional(),
  answer: z.string().max(5000).optional(),
});

export type QuestionInput = z.infer<typeof questionInputSchema>;
