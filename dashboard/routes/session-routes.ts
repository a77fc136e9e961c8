import { createHash } from 'node:crypto';
import { Router } from 'express';
import { idSchema } from '../../core/contracts/identifiers.js';
import {
  feedbackResultsPayloadSchema,
  generateSessionPayloadSchema,
  learningPlanPayloadSchema,
} from '../../core/contracts/session-contracts.js';
import { buildLearnerProfile } from '../../core/learner/learner-profile.js';
import { countDueReviews, loadLearner } from '../../db/queries/learners.js';
import { getSession } from '../../db/queries/sessions.js';
import { hasSessions } from '../../db/queries/learner-patterns.js';
import { createLearnerState } from '../../core/learner/learner-state.js';
import { enqueueAndRespond } from '../enqueue-response.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

const resultsBodySchema = feedbackResultsPayloadSchema.omit({ sessionId: true });

/** Sessions, their results, learning plans and the learner profile: the adaptive engine's door. */
export function sessionRoutes(ctx: IngressContext): Router {
  const router = Router();
  const producer = requireScope(ctx.keys, 'producer');

  router.post('/api/sessions/generate', producer, async (req, res) => {
    const payload = parseOr400(generateSessionPayloadSchema, req.body, 'session request');
    await enqueueAndRespond(ctx, req, res, 'session-generation', 'generate', payload);
  });

  router.post('/api/sessions/:sessionId/results', producer, async (req, res) => {
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
    // The same answers handed in twice map to the same job: the second is a no-op.
    const digest = createHash('sha256').update(JSON.stringify(body.answers)).digest('hex').slice(0, 20);
    await enqueueAndRespond(ctx, req, res, 'feedback-loop', 'results', { sessionId, ...body }, { jobId: `results-${sessionId}-${digest}` });
  });

  router.post('/api/learning-plans', producer, async (req, res) => {
    const payload = parseOr400(learningPlanPayloadSchema, req.body, 'learning plan request');
    await enqueueAndRespond(ctx, req, res, 'session-generation', 'learning-plan', payload);
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

  return router;
}
