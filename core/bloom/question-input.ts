import { z } from 'zod';
import { idSchema, isStorableText, storableTextMessage } from '../contracts/identifiers.js';
import { BLOOM_LEVELS, QUESTION_TYPES } from './levels.js';

/**
 * A question to validate, as upstream services send it. Bounds keep one hostile payload from
 * costing a worker thread more than a few milliseconds (the scorer also caps tokens it reads).
 */
const text = (max: number) => z.string().max(max).refine(isStorableText, storableTextMessage);

/**
 * Everything here must be storable as given: ids follow the one id grammar (they become job ids and
 * decision ids), text refuses NUL and lone surrogates, and difficulty is stored in a `smallint`.
 * Anything the store would refuse is refused here, at the edge, and never fails in a worker.
 */
export const questionInputSchema = z.object({
  id: idSchema.optional(),
  text: z.string().trim().min(1).max(5000).refine(isStorableText, storableTextMessage),
  type: z.enum(QUESTION_TYPES),
  /** Author's difficulty estimate, 1 (easiest) … 5 (hardest), a whole number. */
  difficulty: z.number().int().min(1).max(5).optional(),
  categoryId: idSchema.optional(),
  learningObjective: z.string().trim().max(2000).refine(isStorableText, storableTextMessage).optional(),
  /**
   * The Bloom level the author meant the question to test. A label, not an input to the
   * classifier: the validation says whether it agrees (evidence.intendedLevel / agreesWithIntended,
   * plus a suggestion when it does not), and agreement on labelled questions is the validator's
   * run-time accuracy (alert rule validation-accuracy-low).
   */
  intendedLevel: z.enum(BLOOM_LEVELS).optional(),
  options: z.array(text(1000)).max(20).optional(),
  answer: text(5000).optional(),
});

export type QuestionInput = z.infer<typeof questionInputSchema>;
