import { randomUUID } from 'node:crypto';
import { type Request, type Router } from 'express';
import { z } from 'zod';
import { idSchema } from '../../core/contracts/identifiers.js';
import { jobIds } from '../../core/contracts/ids.js';
import {
  feedbackResultsPayloadSchema,
  generateSessionPayloadSchema,
  learningPlanPayloadSchema,
  type FeedbackResultsResult,
} from '../../core/contracts/session-contracts.js';
import { buildLearnerProfile } from '../../core/learner/learner-profile.js';
import { countDueReviews, loadLearner } from '../../db/queries/learners.js';
import { getLearningPlan } from '../../db/queries/learning-plans.js';
import { getSession } from '../../db/queries/sessions.js';
import { enqueueAndRespond, statusUrl } from '../enqueue-response.js';
import { sessionAnswers } from '../../db/queries/feedback.js';
import { hasSessions } from '../../db/queries/learner-patterns.js';
import { createLearnerState } from '../../core/learner/learner-state.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

const resultsBodySchema = feedbackResultsPayloadSchema.omit({ sessionId: true, replan: true });
const answersQuery = z.object({ wait: z.coerce.number().int().min(1).max(30_000).default(10_000) });

/** A caller-chosen id that already names another learner's record is a 409, never their record. */
function refuseOthers(stored: { userId: string } | undefined, userId: string, what: string, id: string): void {
  if (stored && stored.userId !== userId) throw new HttpError(409, 'id_taken', `${what} id ${id} is taken; choose another or omit it`);
}

/** Sessions, their results, learning plans and the learner profile: the adaptive engine's door. */
export function sessionRoutes(ctx: IngressContext, router: Router): void {
  const producer = requireScope(ctx.keys, 'producer');

  router.post('/api/sessions/generate', producer, async (req, res) => {
    const request = parseOr400(generateSessionPayloadSchema, req.body, 'session request');
    // The id is fixed here, into the payload: the caller's, or a fresh random one (never BullMQ's counter).
    const payload = { ...request, sessionId: request.sessionId ?? `s_${randomUUID()}` };
    if (request.sessionId !== undefined) refuseOthers(await getSession(ctx.db, request.sessionId), request.userId, 'session', request.sessionId);
    await enqueueAndRespond(ctx, req, res, 'session-generation', 'generate', payload, { jobId: jobIds.generate(payload.userId, payload.sessionId) });
  });

  /** The session must be the learner's, and every answer must name one of its questions. */
  const checkedAnswers = async (req: Request) => {
    const sessionId = parseOr400(idSchema, req.params.sessionId, 'sessionId');
    const body = parseOr400(resultsBodySchema, req.body, 'results');
    const session = await ctx.cache.get('session', sessionId, () => getSession(ctx.db, sessionId));
    if (!session || session.userId !== body.userId) {
      throw new HttpError(404, 'not_found', `no session ${sessionId} for learner ${body.userId}`);
    }
    const unknown = body.answers.filter((a) => !session.questions.some((q) => q.questionId === a.questionId));
    if (unknown.length > 0) {
      throw new HttpError(400, 'invalid_request', `answers name questions that are not in session ${sessionId}`, {
        questionIds: unknown.slice(0, 20).map((a) => a.questionId),
      });
    }
    return { sessionId, body };
  };

  router.post('/api/sessions/:sessionId/results', producer, async (req, res) => {
    const { sessionId, body } = await checkedAnswers(req);
    // The same answers handed in twice map to the same job: the second is a no-op.
    await enqueueAndRespond(ctx, req, res, 'feedback-loop', 'results', { sessionId, ...body }, { jobId: jobIds.results(sessionId, body.answers) });
  });

  /**
   * Answers handed in during the session: applied at once, and the positions not answered yet are
   * re-planned from what was just learned. Waits for the job (`?wait=MS`, default 10 s) and answers
   * 200 `{answered, remaining}`; 202 with the job's status URL if it takes longer.
   */
  router.post('/api/sessions/:sessionId/answers', producer, async (req, res) => {
    const { sessionId, body } = await checkedAnswers(req);
    const { wait } = parseOr400(answersQuery, req.query, 'query string');
    // The job id names the answers and how many the session had before them: the same answers
    // handed in again later make a new job, which stores nothing twice (attempts are unique per
    // session and question) and returns the stored plan unchanged.
    const before = (await sessionAnswers(ctx.db, sessionId)).length;
    await ctx.waiter.ready('feedback-loop');
    const jobId = await ctx.producer.send('feedback-loop', 'results', { sessionId, ...body, replan: true }, { jobId: jobIds.answers(sessionId, body.answers, before) });
    const outcome = await ctx.waiter.wait('feedback-loop', jobId, wait);
    if (outcome.state === 'completed') {
      const result = outcome.result as FeedbackResultsResult;
      res.status(200).json({ jobId, answered: result.answered ?? 0, remaining: result.remaining ?? [], skill: result.skill, comebackMode: result.comebackMode, firedRules: result.firedRules });
    } else if (outcome.state === 'failed') {
      res.status(422).json({ error: { code: 'job_failed', message: outcome.reason, details: { jobId, queue: 'feedback-loop', statusUrl: statusUrl('feedback-loop', jobId) } } });
    } else res.status(202).json({ jobId, queue: 'feedback-loop', statusUrl: statusUrl('feedback-loop', jobId) });
  });

  router.post('/api/learning-plans', producer, async (req, res) => {
    const request = parseOr400(learningPlanPayloadSchema, req.body, 'learning plan request');
    const payload = { ...request, planId: request.planId ?? `p_${randomUUID()}` };
    if (request.planId !== undefined) {
      const stored = await getLearningPlan(ctx.db, request.planId);
      refuseOthers(stored && { userId: stored.user_id }, request.userId, 'plan', request.planId);
    }
    await enqueueAndRespond(ctx, req, res, 'session-generation', 'learning-plan', payload, { jobId: jobIds.learningPlan(payload.userId, payload.planId) });
  });

  router.get('/api/users/:userId/profile', producer, async (req, res) => {
    const userId = parseOr400(idSchema, req.params.userId, 'userId');
    // The learner model is cached (profile family); reviews due move with the clock, so they are counted fresh.
    const state = await ctx.cache.get('profile', userId, async () => {
      const learner = await loadLearner(ctx.db, userId);
      if (learner.status === 'active') return learner.state;
      // Known only from a generated session (no answers yet): the model every learner starts from.
      if (learner.status === 'unknown' && (await hasSessions(ctx.db, userId))) return createLearnerState(userId);
      return undefined;
    });
    if (!state) throw new HttpError(404, 'not_found', `no learner ${userId}`);
    const reviewsDue = await countDueReviews(ctx.db, userId, ctx.now());
    res.json(buildLearnerProfile(state, reviewsDue));
  });

}
