import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { idSchema } from '../../core/contracts/identifiers.js';
import { jobIds } from '../../core/contracts/ids.js';
import {
  feedbackResultsPayloadSchema,
  generateSessionPayloadSchema,
  learningPlanPayloadSchema,
} from '../../core/contracts/session-contracts.js';
import { buildLearnerProfile } from '../../core/learner/learner-profile.js';
import { countDueReviews, loadLearner } from '../../db/queries/learners.js';
import { getLearningPlan } from '../../db/queries/learning-plans.js';
import { getSession } from '../../db/queries/sessions.js';
import { enqueueAndRespond } from '../enqueue-response.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

const resultsBodySchema = feedbackResultsPayloadSchema.omit({ sessionId: true });

/** A caller-chosen id that already names another learner's record is a 409, never their record. */
function refuseOthers(stored: { userId: string } | undefined, userId: string, what: string, id: string): void {
  if (stored && stored.userId !== userId) throw new HttpError(409, 'id_taken', `${what} id ${id} is taken; choose another or omit it`);
}

/** Sessions, their results, learning plans and the learner profile: the adaptive engine's door. */
export function sessionRoutes(ctx: IngressContext): Router {
  const router = Router();
  const producer = requireScope(ctx.keys, 'producer');

  router.post('/api/sessions/generate', producer, async (req, res) => {
    const request = parseOr400(generateSessionPayloadSchema, req.body, 'session request');
    // The id is fixed here, into the payload: the caller's, or a fresh random one (never BullMQ's counter).
    const payload = { ...request, sessionId: request.sessionId ?? `s_${randomUUID()}` };
    if (request.sessionId !== undefined) refuseOthers(await getSession(ctx.db, request.sessionId), request.userId, 'session', request.sessionId);
    await enqueueAndRespond(ctx, req, res, 'session-generation', 'generate', payload, { jobId: jobIds.generate(payload.userId, payload.sessionId) });
  });

  router.post('/api/sessions/:sessionId/results', producer, async (req, res) => {
    const sessionId = parseOr400(idSchema, req.params.sessionId, 'sessionId');
    const body = parseOr400(resultsBodySchema, req.body, 'results');
    const session = await getSession(ctx.db, sessionId);
    if (!session || session.userId !== body.userId) {
      throw new HttpError(404, 'not_found', `no session ${sessionId} for learner ${body.userId}`);
    }
    const unknown = body.answers.filter((a) => !session.questions.some((q) => q.questionId === a.questionId));
    if (unknown.length > 0) {
      throw new HttpError(400, 'invalid_request', `answers name questions that are not in session ${sessionId}`, {
        questionIds: unknown.slice(0, 20).map((a) => a.questionId),
      });
    }
    // The same answers handed in twice map to the same job: the second is a no-op.
    await enqueueAndRespond(ctx, req, res, 'feedback-loop', 'results', { sessionId, ...body }, { jobId: jobIds.results(sessionId, body.answers) });
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
    const learner = await loadLearner(ctx.db, userId);
    if (learner.status !== 'active') throw new HttpError(404, 'not_found', `no learner ${userId}`);
    const reviewsDue = await countDueReviews(ctx.db, userId, ctx.now());
    res.json(buildLearnerProfile(learner.state, reviewsDue));
  });

  return router;
}
