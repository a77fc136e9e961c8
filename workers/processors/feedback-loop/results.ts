import { UnrecoverableError } from 'bullmq';
import { resolveAdaptiveConfig } from '../../../core/adaptive-config.js';
import { analyticsEventId } from '../../../core/contracts/analytics-events.js';
import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import { toSessionQuestion, type FeedbackResultsResult } from '../../../core/contracts/session-contracts.js';
import { applySessionResults } from '../../../core/feedback/apply-session-results.js';
import { type LearnerState, createLearnerState } from '../../../core/learner/learner-state.js';
import { skillToLevel } from '../../../core/learner/level.js';
import { recordAnalyticsEvents } from '../../../db/queries/analytics.js';
import {
  applyItemChanges,
  findFeedbackApplication,
  insertNewAttempts,
  loadAnsweredQuestions,
  refreshSessionOutcome,
  saveFeedbackApplication,
  sessionAnswers,
  upsertReviewStates,
} from '../../../db/queries/feedback.js';
import { loadLearner, lockLearner, saveLearner } from '../../../db/queries/learners.js';
import { getSession } from '../../../db/queries/sessions.js';
import { replanSession } from './replan-session.js';
import { sessionsCompleted } from '../../../observability/learning-metrics.js';
import { defineProcessor } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';

/**
 * feedback-loop/results: applies a session's answers to the learner model, the items' ratings, the
 * review schedule, streaks, comeback mode and mastery (core/feedback/apply-session-results.ts).
 *
 * Exactly-once effects under at-least-once delivery:
 * - the learner's row is locked for the write, so one learner's jobs apply in turn (the update is
 *   computed before the lock, and again under it only if the learner or the new answers changed);
 * - attempts are unique per (session, question) and only newly inserted answers are applied, so a
 *   resubmission changes nothing twice;
 * - the result and the decision traces are stored in the same transaction (feedback_applications)
 *   and sent after commit; a retry after a crash between the two re-sends them from there.
 */
export const feedbackResultsProcessor = defineProcessor('feedback-loop', 'results', async (payload, ctx) => {
  const jobKey = ctx.job.id;
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

  // The pick's prediction when it was asked (the session's current plan) is stored with the
  // answer: the calibration metrics compare the two.
  const planned = new Map(session.questions.map((q) => [q.questionId, q.predictedSuccess]));
  const answers = payload.answers.map((a) => ({ ...a, answeredAt: a.answeredAt ? new Date(a.answeredAt) : now, predicted: planned.get(a.questionId) ?? null }));
  /** The model's update for these answers from this learner state (pure, plus one read). */
  const compute = async (db: typeof ctx.db, state: LearnerState, fresh: ReadonlySet<string>, continuing: boolean) => {
    const toApply = answers.filter((a) => fresh.has(a.questionId));
    const { questions, items, reviews } = await loadAnsweredQuestions(db, payload.userId, [...fresh]);
    const out = applySessionResults({
      learner: state,
      items,
      reviews,
      questions,
      answers: toApply.map((a) => ({ questionId: a.questionId, correct: a.correct, responseMs: a.responseMs, answeredAt: a.answeredAt.getTime() })),
      now: now.getTime(),
      config: { scheduler: ctx.services.config.SPACED_REPETITION },
      // Answers handed in one at a time: the once-per-session steps ran with the first ones.
      continuing,
    });
    return { toApply, out };
  };

  // The reads and the computation happen before the learner's row is locked, so the lock covers
  // only the writes. Under the lock the guess is checked: if another job changed the learner, or
  // the set of new answers is not the one guessed (a concurrent resubmission), it is computed
  // again there — the slow path, correct as before.
  const before = await loadLearner(ctx.db, payload.userId);
  if (before.status === 'erased') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);
  const recorded = await sessionAnswers(ctx.db, payload.sessionId);
  const recordedIds = new Set(recorded.map((r) => r.questionId));
  const guessedFresh = new Set(answers.map((a) => a.questionId).filter((id) => !recordedIds.has(id)));
  const guessedState = before.status === 'active' ? before.state : createLearnerState(payload.userId);
  const guess = await compute(ctx.db, guessedState, guessedFresh, recorded.length > 0);

  const { result, traces, justCompleted, changedQuestions } = await ctx.db.transaction().execute(async (trx) => {
    const learner = await lockLearner(trx, payload.userId);
    if (learner.status !== 'active') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);

    const fresh = await insertNewAttempts(trx, payload.sessionId, payload.userId, answers);
    const sameLearner = canonicalJson(learner.state) === canonicalJson(guessedState);
    const sameAnswers = fresh.size === guessedFresh.size && [...fresh].every((id) => guessedFresh.has(id));
    // Slow path: what the session held before this job's answers is re-read under the lock.
    const { toApply, out } =
      sameLearner && sameAnswers ? guess : await compute(trx, learner.state, fresh, (await sessionAnswers(trx, payload.sessionId)).length > fresh.size);

    if (toApply.length > 0) {
      await saveLearner(trx, out.learner, now);
      await applyItemChanges(
        trx,
        out.applied.map((a) => ({ questionId: a.questionId, delta: a.difficultyAfter - a.difficultyBefore, answers: 1, info: a.itemInfo })),
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
      decisionId: `rule-${jobKey.replace(/[^A-Za-z0-9_.@=-]/g, '_').slice(0, 120)}-${i}-${rule.rule}`,
      kind: `feedback-rule:${rule.rule}`.slice(0, 64),
      userId: payload.userId,
      sessionId: payload.sessionId,
      createdAt,
      inputs: { ...rule.inputs, questionId: rule.questionId, categoryId: rule.categoryId, answerIndex: rule.answerIndex },
      outputs: rule.outputs,
      modelVersion: out.modelVersion,
    }));
    const replanned = payload.replan ? await replanSession(ctx, trx, session, out.learner, now, toApply.length > 0) : undefined;
    if (replanned?.trace) traces.push(replanned.trace);
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
      ...(replanned ? { answered: replanned.answered, remaining: replanned.remaining.map(toSessionQuestion) } : {}),
    };
    await saveFeedbackApplication(trx, { jobKey, sessionId: payload.sessionId, userId: payload.userId, result, traces });
    return { result, traces, justCompleted: outcome?.justCompleted ?? false, changedQuestions: out.applied.map((a) => a.questionId) };
  });

  // Committed: the learner's model and the answered questions' ratings changed.
  await ctx.services.cache.invalidate('profile', [payload.userId]);
  await ctx.services.cache.invalidate('question', changedQuestions);
  // A re-plan rewrote the session's remaining positions.
  if (result.remaining) await ctx.services.cache.invalidate('session', [payload.sessionId]);

  // After the commit: a transaction rolled back (and retried) counts nothing.
  if (justCompleted) sessionsCompleted.inc({ flow: result.flowAchieved ? 'achieved' : 'missed' });
  await sendTraces(ctx, traces);
  return result;
});

/** JSON with object keys sorted: a state read back from jsonb (which reorders keys) compares equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
