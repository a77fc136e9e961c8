import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './identifiers.js';

/**
 * Analytics events: facts the actors emit as they work, stored in `analytics_events` (one row per
 * `eventId`, so a retried job re-emitting its events stores nothing twice) and rolled up by day
 * (`retention-cleanup/rollup`). Emit them with `recordAnalyticsEvents` (db/queries/analytics.ts).
 *
 * The roll-up reads these kinds only. Where an authoritative table holds the same fact (sessions,
 * attempts, question_validations), the roll-up prefers the table and uses an event only for an
 * entity the table no longer (or never) held — so emitting an event never double-counts.
 */

/** 'session-generated': a session was built (session-generation/generate). sessionId and userId set. */
export const sessionGeneratedPayloadSchema = z.object({
  size: z.number().int().nonnegative(),
  categoryId: z.string().max(128).nullable().optional(),
});

/** 'session-completed': a session's answers were applied (feedback-loop/results). sessionId and userId set. */
export const sessionCompletedPayloadSchema = z.object({
  /** correct / answers, 0..1. */
  successRate: z.number().min(0).max(1),
  /** Success rate inside the flow band (70–85%). */
  flowAchieved: z.boolean(),
  answers: z.number().int().nonnegative(),
  correct: z.number().int().nonnegative(),
});

/** 'question-validated': a question was scored and stored (question-validation/validate). */
export const questionValidatedPayloadSchema = z.object({
  questionId: idSchema,
  /** With questionId and modelVersion: the key of the question_validations row it mirrors. */
  contentHash: z.string().min(1).max(128),
  modelVersion: z.string().min(1).max(100),
  level: z.string().min(1).max(32),
  passed: z.boolean(),
});

const eventBase = {
  /**
   * Deterministic per emitting job and fact (see `analyticsEventId`): the unique key that makes a
   * re-emitted event a no-op. ':' is allowed here (event ids never travel in job ids).
   */
  eventId: z.string().min(1).max(300),
  userId: idSchema.optional(),
  sessionId: idSchema.optional(),
  /** When the fact happened: take it from the job (enqueuedAt / answeredAt), not the wall clock. */
  occurredAt: isoDateTimeSchema,
};

export const analyticsEventSchema = z.discriminatedUnion('kind', [
  z.object({ ...eventBase, kind: z.literal('session-generated'), payload: sessionGeneratedPayloadSchema }),
  z.object({ ...eventBase, kind: z.literal('session-completed'), payload: sessionCompletedPayloadSchema }),
  z.object({ ...eventBase, kind: z.literal('question-validated'), payload: questionValidatedPayloadSchema }),
]);
export type AnalyticsEvent = z.infer<typeof analyticsEventSchema>;
export type AnalyticsEventKind = AnalyticsEvent['kind'];
export const analyticsEventKinds = ['session-generated', 'session-completed', 'question-validated'] as const satisfies readonly AnalyticsEventKind[];

/** The event id convention: `<kind>:<key>`, the key naming the fact (e.g. the session id). */
export function analyticsEventId(kind: AnalyticsEventKind, key: string): string {
  return `${kind}:${key}`.slice(0, 300);
}
