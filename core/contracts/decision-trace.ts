import { z } from 'zod';
import { idPattern, idSchema, isStorableJson, isoDateTimeSchema, storableText, storableTextMessage } from './identifiers.js';
import { compositeIdMaxLength } from './ids.js';

/**
 * A decision trace: the auditable record of one adaptive decision. The producer chooses a
 * deterministic `decisionId` and `createdAt` (from the job that made the decision), so a retried
 * job sends an identical trace and the store keeps exactly one.
 *
 * Compiled (z.compile): every trace is parsed on its way into the queue and again by the worker,
 * tens of thousands a second, and the compiled fast path takes ~2 µs a trace where the runtime
 * parser took ~9 (bench/README.md). Same schema, same output; an invalid trace falls back to the
 * runtime parser, so the issues reported are the runtime's. A schema z.compile cannot compile it
 * returns unchanged (still correct, only slow): decision-trace-schema.test.ts checks it compiles.
 */
export const decisionTraceSchema = z.compile(z.object({
  // Used in the job id, so it follows the one id grammar (identifiers.ts; recipes in ids.ts).
  decisionId: z.string().min(1).max(compositeIdMaxLength).regex(idPattern, 'may contain only letters, digits and _ . @ -'),
  kind: storableText().min(1).max(64),
  userId: idSchema.optional(),
  sessionId: idSchema.optional(),
  createdAt: isoDateTimeSchema,
  // Any JSON object. looseObject rather than record(string, unknown): the same values accepted
  // (and the same JSON Schema, an object with any properties), without running a schema per key —
  // every trace is parsed on its way into the queue and again by the worker, so this is hot.
  // Stored as jsonb: no string or key in them may hold NUL or a lone surrogate (the store would
  // refuse the row after the queue accepted it).
  inputs: z.looseObject({}).refine(isStorableJson, storableTextMessage),
  outputs: z.looseObject({}).refine(isStorableJson, storableTextMessage),
  modelVersion: storableText().min(1).max(100),
}));
export type DecisionTrace = z.infer<typeof decisionTraceSchema>;

/** Most traces one `record-batch` job may carry. */
export const MAX_TRACES_PER_JOB = 500;

/**
 * `record-batch`: several traces of one producing job in ONE queue job (workers/runtime/send-trace.ts
 * sends a job's traces this way). A queue job costs the same whether it carries one trace or many,
 * so this is how traces reach the store at bulk speed; `record` stays for single traces.
 */
export const recordTracesPayloadSchema = z.compile(z.object({ traces: z.array(decisionTraceSchema).min(1).max(MAX_TRACES_PER_JOB) }));

/** `stored`: traces this job wrote; the rest had been stored before (a retry or a re-send). */
export const recordTraceResultSchema = z.object({ stored: z.number().int().nonnegative() });
