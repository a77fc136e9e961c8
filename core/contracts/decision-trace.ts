import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './identifiers.js';

/**
 * A decision trace: the auditable record of one adaptive decision. The producer chooses a
 * deterministic `decisionId` and `createdAt` (from the job that made the decision), so a retried
 * job sends an identical trace and the store keeps exactly one.
 */
export const decisionTraceSchema = z.object({
  // Used in the job id, so it follows the identifier rules (no ':').
  decisionId: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.@=-]+$/, 'may contain only letters, digits and _ . @ = -'),
  kind: z.string().min(1).max(64),
  userId: idSchema.optional(),
  sessionId: idSchema.optional(),
  createdAt: isoDateTimeSchema,
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()),
  modelVersion: z.string().min(1).max(100),
});
export type DecisionTrace = z.infer<typeof decisionTraceSchema>;

export const recordTraceResultSchema = z.object({ stored: z.number().int().nonnegative() });
