import { UnrecoverableError } from 'bullmq';
import { resolveAdaptiveConfig } from '../../../core/adaptive-config.js';
import { analyticsEventId } from '../../../core/contracts/analytics-events.js';
import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import type { FeedbackResultsResult } from '../../../core/contracts/session-contracts.js';
import { applySessionResults } from '../../../core/feedback/apply-session-results.js';
import { skillToLevel } from '../../../core/learner/level.js';
import { recordAnalyticsEvents } from '../../../db/queries/analytics.js';
import {
  applyItemChanges,
  findFeedbackApplication,
  insertNewAttempts,
  loadAnsweredQuestions,
  refreshSessionOutcome,
  saveFeedbackApplication,
  upsertReviewStates,
} from '../../../db/queries/feedback.js';
import { lockLearner, saveLearner } from '../../../db/queries/learners.js';
import { getSession } from '../../../db/queries/sessions.js';
import { defineProcessor } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';
import { decisionIds, jobIds } from '../../../core/contracts/ids.js';

/**
 * feedback-loop/results: applies a session's answers to the learner model, the items' ratings, the
 * review schedule, streaks, comeback mode and mastery (core/feedback/apply-session-results.ts).
 *
 * Exactly-once effects under at-least-once delivery:
 * - the learner's row is locked for the transaction, so one learner's jobs apply in turn;
 * - attempts are unique per (session, question) and only newly inserted answers are applied, so a
 *   resubmission changes nothing twice;
 * - the result and the decision traces are stored in the same transaction (feedback_applications)
 *   and sent after commit; a retry after a crash between the two re-sends them from there.
 */
export const feedbackResultsProcessor = defineProcessor('feedback-loop', 'results', async (payload, ctx) => {
  // The application key comes from the content (session and answers, the ingress's job-id recipe),
  // not from the job id: BullMQ's counter restarts with a fresh Redis, and a counter id would find
  // another session's stored application.
  const jobKey = jobIds.results(payload.sessionId, payload.answers);
  const already = await findFeedbackApplication(ctx.db, jobKey);
  if (already) {
    await sendTraces(ctx, already.traces as DecisionTrace[]);
    return already.result as FeedbackResultsResult;
  }

  const session = await getSession(ctx.db, payload.sessionId);
  if (!session || session.userId !== payload.userId) {
    throw new UnrecoverableError(`session ${payload.sessionId} does not exist for learner ${payload.userId}`);
  }

  const now = ctx.services.now();
  const cfg = resolveAdaptiveConfig({ scheduler: ctx.services.config.SPACED_REPETITION });
  const createdAt = ctx.job.enqueuedAt.toISOString();

  const { result, traces } = await ctx.db.transaction().execute(async (trx) => {
    const learner = await lockLearner(trx, payload.userId);
    if (learner.status !== 'active') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);

    const answers = payload.answers.map((a) => ({ ...a, answeredAt: a.answeredAt ? new Date(a.answeredAt) : now }));
    const fresh = await insertNewAttempts(trx, payload.sessionId, payload.userId, answers);
    const toApply = answers.filter((a) => fresh.has(a.questionId));
    const { questions, items, reviews } = await loadAnsweredQuestions(trx, payload.userId, [...fresh]);

    const out = applySessionResults({
      learner: learner.state,
      items,
      reviews,
      questions,
      answers: toApply.map((a) => ({ questionId: a.questionId, correct: a.correct, responseMs: a.responseMs, answeredAt: a.answeredAt.getTime() })),
      now: now.getTime(),
      config: { scheduler: ctx.services.config.SPACED_REPETITION },
    });

    if (toApply.length > 0) {
      await saveLearner(trx, out.learner, now);
      await applyItemChanges(
        trx,
        out.applied.map((a) => ({ questionId: a.questionId, delta: a.difficultyAfter - a.difficultyBefore, answers: 1 })),
      );
      await upsertReviewStates(trx, payload.userId, Object.values(out.reviews), now);
    }
    const outcome = await refreshSessionOutcome(trx, payload.sessionId, cfg.flow, now);
    if (outcome?.completed) {
      await recordAnalyticsEvents(trx, [
        {
          eventId: analyticsEventId('session-completed', payload.sessionId),
          kind: 'session-completed',
          userId: payload.userId,
          sessionId: payload.sessionId,
          occurredAt: createdAt,
          payload: { successRate: outcome.successRate, flowAchieved: outcome.flowAchieved, answers: outcome.answered, correct: outcome.correct },
        },
      ]);
    }

    const traces: DecisionTrace[] = out.firedRules.map((rule, i) => ({
      decisionId: decisionIds.feedbackRule(jobKey, i, rule.rule),
      kind: `feedback-rule:${rule.rule}`.slice(0, 64),
      userId: payload.userId,
      sessionId: payload.sessionId,
      createdAt,
      inputs: { ...rule.inputs, questionId: rule.questionId, categoryId: rule.categoryId, answerIndex: rule.answerIndex },
      outputs: rule.outputs,
      modelVersion: out.modelVersion,
    }));
    const result: FeedbackResultsResult = {
      sessionId: payload.sessionId,
      userId: payload.userId,
      applied: out.applied.length,
      successRate: outcome?.successRate ?? 0,
      flowAchieved: outcome?.flowAchieved ?? false,
      skill: out.learner.skill,
      level: skillToLevel(out.learner.skill),
      comebackMode: out.learner.comebackMode,
      firedRules: out.firedRules.map((r) => r.rule),
    };
    await saveFeedbackApplication(trx, { jobKey, sessionId: payload.sessionId, userId: payload.userId, result, traces });
    return { result, traces };
  });

  await sendTraces(ctx, traces);
  return result;
});
