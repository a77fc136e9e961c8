/**
 * Job contracts of the adaptive actors: `session-generation/generate`,
 * `session-generation/learning-plan` and `feedback-loop/results`. The same zod schemas validate
 * HTTP bodies and queue payloads and are published as JSON Schema. Result fields may be added,
 * never renamed; a new payload field stays optional until old jobs have drained.
 */
import { z } from 'zod';
import { type LearningStyle, learningStyles, unsupportedLearningStyles } from '../session/learning-styles.js';
import { idSchema, isoDateTimeSchema } from './identifiers.js';

/** Question types are short machine words (multiple_choice, true_false, …). */
const questionTypeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, 'must be a lower-case word (letters, digits, _)');

/**
 * Strict: a preference learnloop does not know is refused (400 at the edge, UnrecoverableError on
 * the queue), never dropped in silence. `learningStyle` is optional (added for issue 16).
 */
export const sessionPreferencesSchema = z
  .object({
    questionTypes: z.array(questionTypeSchema).max(10).optional(),
    /** Mapped onto question types (core/session/learning-styles.ts); questionTypes win when both are given. */
    learningStyle: z.string().superRefine((style, ctx) => {
      if (learningStyles.includes(style as LearningStyle)) return;
      ctx.addIssue({
        code: 'custom',
        message: unsupportedLearningStyles[style] ?? `unknown learning style; known: ${learningStyles.join(', ')}`,
      });
    }).optional(),
  })
  .strict();

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

/** A composed pick as the contract shows it (the trace keeps the rest: share, due, category). */
export const toSessionQuestion = (q: {
  questionId: string;
  position: number;
  targetDifficulty: number;
  predictedSuccess: number;
  reason: string;
  targetSuccess?: number;
  phase?: string;
}): z.infer<typeof sessionQuestionSchema> => ({
  questionId: q.questionId,
  position: q.position,
  targetDifficulty: q.targetDifficulty,
  predictedSuccess: q.predictedSuccess,
  reason: q.reason,
  targetSuccess: q.targetSuccess,
  phase: q.phase as 'warm-up' | 'build-up' | 'peak' | 'cool-down' | undefined,
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
  /**
   * Answers handed in during the session (POST /api/sessions/:sessionId/answers): re-plan the
   * positions not yet answered and return them. Optional: jobs enqueued before it existed drain.
   */
  replan: z.boolean().optional(),
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
  /** With `replan`: answers the session has received so far, and the re-planned rest. */
  answered: z.number().int().min(0).optional(),
  remaining: z.array(sessionQuestionSchema).optional(),
});
export type FeedbackResultsResult = z.infer<typeof feedbackResultsResultSchema>;

/** feedback-loop/recalibrate: refit every category's stated-level → difficulty mapping. */
export const recalibratePayloadSchema = z.object({});
export const recalibrateResultSchema = z.object({
  categories: z.array(
    z.object({
      categoryId: z.string(),
      before: z.object({ scale: z.number(), offset: z.number() }),
      after: z.object({ scale: z.number(), offset: z.number() }),
      items: z.number().int().min(0),
      information: z.number().min(0),
    }),
  ),
});
