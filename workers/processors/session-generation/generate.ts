import { UnrecoverableError } from 'bullmq';
import { ADAPTIVE_MODEL_VERSION } from '../../../core/adaptive-config.js';
import { analyticsEventId } from '../../../core/contracts/analytics-events.js';
import { toSessionQuestion } from '../../../core/contracts/session-contracts.js';
import { decisionIds, legacyDerivedId } from '../../../core/contracts/ids.js';
import { createLearnerState } from '../../../core/learner/learner-state.js';
import { composeSession } from '../../../core/session/compose-session.js';
import { recordAnalyticsEvents } from '../../../db/queries/analytics.js';
import { loadLearner } from '../../../db/queries/learners.js';
import { getSession, insertSession, loadSessionCandidates } from '../../../db/queries/sessions.js';
import { sessionQuestions } from '../../../observability/learning-metrics.js';
import { defineProcessor } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';

/** How many questions (nearest the learner's skill, plus every due review) the composer sees. */
export const CANDIDATE_POOL = 400;


/**
 * session-generation/generate: composes a session from the learner model and the question pool
 * (core/session/compose-session.ts), stores it, and sends its decision trace. The session id comes
 * from the payload (fixed at enqueue), so a retry returns the session the first attempt stored, and
 * a stored session is returned only to the learner it was made for.
 */
export const generateSessionProcessor = defineProcessor('session-generation', 'generate', async (payload, ctx) => {
  const sessionId = payload.sessionId ?? legacyDerivedId('s', ctx.job, payload.userId);
  const stored = await getSession(ctx.db, sessionId);
  if (stored && stored.userId !== payload.userId) {
    throw new UnrecoverableError(`session id ${sessionId} belongs to another learner`);
  }
  if (stored) return { sessionId, questions: stored.questions.map(toSessionQuestion) };

  const learner = await loadLearner(ctx.db, payload.userId);
  if (learner.status === 'erased') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);
  const state = learner.status === 'active' ? learner.state : createLearnerState(payload.userId);

  const now = ctx.services.now();
  const candidates = await loadSessionCandidates(ctx.db, {
    userId: payload.userId,
    categoryId: payload.categoryId,
    aroundDifficulty: state.skill,
    limit: CANDIDATE_POOL,
    now,
  });
  const { questions, trace } = composeSession({
    learner: state,
    candidates,
    now: now.getTime(),
    size: payload.size,
    categoryId: payload.categoryId,
    preferences: payload.preferences,
    seed: sessionId,
    config: { scheduler: ctx.services.config.SPACED_REPETITION },
  });

  const createdAt = ctx.job.enqueuedAt;
  await ctx.db.transaction().execute(async (trx) => {
    await insertSession(trx, { id: sessionId, userId: payload.userId, categoryId: payload.categoryId ?? null, questions, createdAt });
    await recordAnalyticsEvents(trx, [
      {
        eventId: analyticsEventId('session-generated', sessionId),
        kind: 'session-generated',
        userId: payload.userId,
        sessionId,
        occurredAt: createdAt.toISOString(),
        payload: { size: questions.length, categoryId: payload.categoryId ?? null },
      },
    ]);
  });
  sessionQuestions.observe(questions.length);
  await sendTraces(ctx, [
    {
      decisionId: decisionIds.session(sessionId),
      kind: 'session-generation',
      userId: payload.userId,
      sessionId,
      createdAt: createdAt.toISOString(),
      inputs: { ...trace.inputs, candidatePool: candidates.length },
      outputs: { choices: trace.choices, candidatesConsidered: trace.candidatesConsidered },
      modelVersion: trace.modelVersion ?? ADAPTIVE_MODEL_VERSION,
    },
  ]);
  return { sessionId, questions: questions.map(toSessionQuestion) };
});
