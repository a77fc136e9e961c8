/**
 * Job contracts of the adaptive actors (DESIGN.md): `session-generation/generate`,
 * `session-generation/learning-plan` and `feedback-loop/results`. The same zod schemas validate
 * HTTP bodies and queue payloads and are published as JSON Schema. Result fields may be added,
 * never renamed; a new payload field stays optional until old jobs have drained.
 */
import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './identifiers.js';

/** Question types are short machine words (multiple_choice, true_false, …). */
const questionTypeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, 'must be a lower-case word (letters, digits, _)');

export const sessionPreferencesSchema = z.object({
  questionTypes: z.array(questionTypeSchema).max(10).optional(),
});

export const generateSessionPayloadSchema = z.object({
  /**
   * The session's id: the caller's, or a random one fixed into the payload at enqueue, so it never
   * depends on BullMQ's job counter (which restarts with a fresh Redis or prefix). Optional until
   * jobs enqueued without it have drained; the processor derives one for those.
   */
  sessionId: idSchema.optional(),
  userId: idSchema,
  categoryId: idSchema.optional(),
  size: z.number().int().min(1).max(50).default(10),
  preferences: sessionPreferencesSchema.optional(),
});
export type GenerateSessionPayload = z.infer<typeof generateSessionPayloadSchema>;

export const sessionQuestionSchema = z.object({
  questionId: idSchema,
  position: z.number().int().min(1),
  targetDifficulty: z.number(),
  predictedSuccess: z.number().min(0).max(1),
  reason: z.string().min(1).max(100),
  targetSuccess: z.number().min(0).max(1).optional(),
  phase: z.enum(['warm-up', 'build-up', 'peak', 'cool-down']).optional(),
});

export const generateSessionResultSchema = z.object({
  sessionId: idSchema,
  questions: z.array(sessionQuestionSchema),
});
export type GenerateSessionResult = z.infer<typeof generateSessionResultSchema>;

export const learningPlanPayloadSchema = z.object({
  /** As `sessionId` above: the caller's or fixed at enqueue; optional until old jobs have drained. */
  planId: idSchema.optional(),
  userId: idSchema,
  targetLevel: z.number().int().min(1).max(5),
  days: z.number().int().min(1).max(365),
});
export type LearningPlanPayload = z.infer<typeof learningPlanPayloadSchema>;

export const milestoneSchema = z.object({
  milestone: z.number().int().min(1),
  level: z.number(),
  mastery: z.number().min(0).max(1),
  sessions: z.number().int().min(0),
  xp: z.number().int().min(0),
  dayOffset: z.number().int().min(0),
  targetDate: isoDateTimeSchema.optional(),
});

export const learningPlanResultSchema = z.object({
  planId: idSchema,
  currentLevel: z.number().int().min(1).max(5).optional(),
  targetLevel: z.number().int().min(1).max(5).optional(),
  milestones: z.array(milestoneSchema),
});
export type LearningPlanResult = z.infer<typeof learningPlanResultSchema>;

export const sessionAnswerSchema = z.object({
  questionId: idSchema,
  correct: z.boolean(),
  /** Up to a day; longer is a client bug, not a slow learner. */
  responseMs: z.number().int().min(0).max(86_400_000).optional(),
  answeredAt: isoDateTimeSchema.optional(),
});

export const feedbackResultsPayloadSchema = z.object({
  sessionId: idSchema,
  userId: idSchema,
  answers: z.array(sessionAnswerSchema).min(1).max(200),
});
export type FeedbackResultsPayload = z.infer<typeof feedbackResultsPayloadSchema>;

export const feedbackResultsResultSchema = z.object({
  sessionId: idSchema,
  userId: idSchema,
  /** Answers applied by this run (0 when a retry finds them all applied already). */
  applied: z.number().int().min(0),
  successRate: z.number().min(0).max(1),
  flowAchieved: z.boolean(),
  skill: z.number(),
  level: z.number().int().min(1).max(5),
  comebackMode: z.boolean(),
  firedRules: z.array(z.string().max(64)),
});
export type FeedbackResultsResult = z.infer<typeof feedbackResultsResultSchema>;
