import { UnrecoverableError } from 'bullmq';
import { resolveAdaptiveConfig } from '../../../core/adaptive-config.js';
import { analyticsEventId } from '../../../core/contracts/analytics-events.js';
import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import { toSessionQuestion, type FeedbackResultsResult } from '../../../core/contracts/session-contracts.js';
import { applySessionResults } from '../../../core/feedback/apply-session-results.js';
import { type LearnerState, createLearnerState } from '../../../core/learner/learner-state.js';
import { skillToLevel } from '../../../core/learner/level.js';
import {
  type AnsweredQuestions,
  loadAnsweredQuestions,
  loadFeedbackInputs,
  lockLearnerAndRecordAnswers,
  sessionAnswers,
  writeSessionResults,
} from '../../../db/queries/feedback.js';
import { insertLearnerIfMissing } from '../../../db/queries/learners.js';
import { replanSession } from './replan-session.js';
import { sessionsCompleted } from '../../../observability/learning-metrics.js';
import { defineProcessor } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';
import { decisionIds, jobIds } from '../../../core/contracts/ids.js';

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
 *
 * Round trips per session (bench/README.md, "Where a job's time goes"): one read before the lock
 * (loadFeedbackInputs), then BEGIN, the lock with the attempts (lockLearnerAndRecordAnswers), one
 * statement for every other write (writeSessionResults), COMMIT; one Redis pipeline for the cache invalidations.
 */
export const feedbackResultsProcessor = defineProcessor('feedback-loop', 'results', async (payload, ctx) => {
  // The application key comes from the content (session and answers, the ingress's job-id recipe),
  // not from the job id: BullMQ's counter restarts with a fresh Redis, and a counter id would find
  // another session's stored application.
  const jobKey = jobIds.results(payload.sessionId, payload.answers);
  const inputs = await loadFeedbackInputs(ctx.db, {
    jobKey,
    sessionId: payload.sessionId,
    userId: payload.userId,
    questionIds: payload.answers.map((a) => a.questionId),
  });
  if (inputs.application) {
    await sendTraces(ctx, inputs.application.traces as DecisionTrace[]);
    return inputs.application.result as FeedbackResultsResult;
  }

  const { session } = inputs;
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
  /** The model's update for these answers from this learner state (pure, given the answered questions). */
  const compute = (answered: AnsweredQuestions, state: LearnerState, fresh: ReadonlySet<string>, continuing: boolean) => {
    const toApply = answers.filter((a) => fresh.has(a.questionId));
    const { questions, items, reviews } = answered;
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
  const before = inputs.learner;
  if (before.status === 'erased') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);
  const { recorded } = inputs;
  const recordedIds = new Set(recorded.map((r) => r.questionId));
  const guessedFresh = new Set(answers.map((a) => a.questionId).filter((id) => !recordedIds.has(id)));
  const guessedState = before.status === 'active' ? before.state : createLearnerState(payload.userId);
  const guess = compute(inputs.answered, guessedState, guessedFresh, recorded.length > 0);

  const { result, traces, justCompleted, changedQuestions } = await ctx.db.transaction().execute(async (trx) => {
    // A first session: the learner's row is created, then locked.
    if (before.status === 'unknown') await insertLearnerIfMissing(trx, payload.userId);
    let { learner, fresh } = await lockLearnerAndRecordAnswers(trx, payload.sessionId, payload.userId, answers);
    if (learner.status === 'unknown') {
      // Its row went since the read (a hard delete): created again, as before the read was folded.
      await insertLearnerIfMissing(trx, payload.userId);
      ({ learner, fresh } = await lockLearnerAndRecordAnswers(trx, payload.sessionId, payload.userId, answers));
    }
    if (learner.status !== 'active') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);

    const sameLearner = canonicalJson(learner.state) === canonicalJson(guessedState);
    const sameAnswers = fresh.size === guessedFresh.size && [...fresh].every((id) => guessedFresh.has(id));
    // Slow path: what the session held before this job's answers is re-read under the lock.
    const { toApply, out } =
      sameLearner && sameAnswers
        ? guess
        : compute(await loadAnsweredQuestions(trx, payload.userId, [...fresh]), learner.state, fresh, (await sessionAnswers(trx, payload.sessionId)).length > fresh.size);

    const model =
      toApply.length > 0
        ? {
            learner: out.learner,
            items: out.applied.map((a) => ({ questionId: a.questionId, delta: a.difficultyAfter - a.difficultyBefore, answers: 1, info: a.itemInfo })),
            reviews: Object.values(out.reviews),
          }
        : undefined;
    const ids = { userId: payload.userId, sessionId: payload.sessionId };
    // A re-plan composes from the review states just written, so the model goes first on its own.
    if (payload.replan) await writeSessionResults(trx, ids, now, model, undefined);

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
    const replanned = payload.replan ? await replanSession(ctx, trx, session, out.learner, now, toApply.length > 0) : undefined;
    if (replanned?.trace) traces.push(replanned.trace);
    // The outcome (success rate, flow) is counted by the same statement that stores the result.
    const stored = {
      sessionId: payload.sessionId,
      userId: payload.userId,
      applied: out.applied.length,
      skill: out.learner.skill,
      level: skillToLevel(out.learner.skill),
      comebackMode: out.learner.comebackMode,
      firedRules: out.firedRules.map((r) => r.rule),
      ...(replanned ? { answered: replanned.answered, remaining: replanned.remaining.map(toSessionQuestion) } : {}),
    };
    const outcome = await writeSessionResults(trx, ids, now, payload.replan ? undefined : model, {
      flowBand: cfg.flow,
      completedEvent: { eventId: analyticsEventId('session-completed', payload.sessionId), occurredAt: createdAt },
      jobKey,
      result: stored,
      traces,
    });
    const result: FeedbackResultsResult = { ...stored, successRate: outcome?.successRate ?? 0, flowAchieved: outcome?.flowAchieved ?? false };
    return { result, traces, justCompleted: outcome?.justCompleted ?? false, changedQuestions: out.applied.map((a) => a.questionId) };
  });

  // Committed: the learner's model and the answered questions' ratings changed; a re-plan rewrote
  // the session's remaining positions. One Redis round trip for all of them.
  await ctx.services.cache.invalidateMany([
    { family: 'profile', ids: [payload.userId] },
    { family: 'question', ids: changedQuestions },
    ...(result.remaining ? [{ family: 'session' as const, ids: [payload.sessionId] }] : []),
  ]);

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
