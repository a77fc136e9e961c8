import { isDeepStrictEqual } from 'node:util';
import { UnrecoverableError } from 'bullmq';
import { resolveAdaptiveConfig } from '../../../core/adaptive-config.js';
import { analyticsEventId } from '../../../core/contracts/analytics-events.js';
import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import { type FeedbackResultsPayload, type FeedbackResultsResult, toSessionQuestion } from '../../../core/contracts/session-contracts.js';
import { type ApplySessionResultsOutput, applySessionResults } from '../../../core/feedback/apply-session-results.js';
import { type LearnerState, createLearnerState } from '../../../core/learner/learner-state.js';
import { skillToLevel } from '../../../core/learner/level.js';
import {
  type AnswerRow,
  type AnsweredQuestions,
  type FeedbackInputs,
  type ItemChange,
  type SessionModelWrites,
  type SessionOutcome,
  type SessionOutcomeWrites,
  loadAnsweredQuestions,
  loadFeedbackInputsMany,
  lockLearnersAndRecordAnswers,
  sessionAnswers,
  writeSessionResults,
} from '../../../db/queries/feedback.js';
import type { LearnerRead } from '../../../db/queries/learners.js';
import { insertLearnersIfMissing } from '../../../db/queries/learners.js';
import type { StoredSession } from '../../../db/queries/sessions.js';
import { sessionsCompleted } from '../../../observability/learning-metrics.js';
import type { ProcessorContext, WorkerServices } from '../../runtime/processor.js';
import { sendTraces } from '../../runtime/send-trace.js';
import { decisionIds, jobIds } from '../../../core/contracts/ids.js';
import { type Replanned, replanSession } from './replan-session.js';

/**
 * One feedback-loop/results job's session, the steps it shares between the batch
 * (feedback-batcher.ts) and the one-session path (applySessionAlone: re-plans, and the batch's
 * fallback). Exactly-once effects under at-least-once delivery:
 * - the learner's row is locked for the write, so one learner's jobs apply in turn (the update is
 *   computed before the lock, and again under it only if the learner or the new answers changed);
 * - attempts are unique per (session, question) and only newly inserted answers are applied, so a
 *   resubmission changes nothing twice;
 * - the result and the decision traces are stored in the same transaction (feedback_applications)
 *   and sent after commit; a retry after a crash between the two re-sends them from there.
 */
export interface PendingResults {
  payload: FeedbackResultsPayload;
  ctx: ProcessorContext;
  /**
   * The application key comes from the content (session and answers, the ingress's job-id
   * recipe), not from the job id: BullMQ's counter restarts with a fresh Redis, and a counter id
   * would find another session's stored application.
   */
  jobKey: string;
}

export function pendingResults(payload: FeedbackResultsPayload, ctx: ProcessorContext): PendingResults {
  return { payload, ctx, jobKey: jobIds.results(payload.sessionId, payload.answers) };
}

export const inputsRequest = ({ payload, jobKey }: PendingResults) => ({
  jobKey,
  sessionId: payload.sessionId,
  userId: payload.userId,
  questionIds: payload.answers.map((a) => a.questionId),
});

/** A session ready for the lock: its answers, and the update guessed from what was read before it. */
export interface PreparedSession {
  pending: PendingResults;
  session: StoredSession;
  /** The learner as read before the lock ('unknown': its row is created first). */
  before: LearnerRead;
  answers: AnswerRow[];
  now: Date;
  guessedState: LearnerState;
  guessedFresh: Set<string>;
  continuing: boolean;
}

export type SessionUpdate = { toApply: AnswerRow[]; out: ApplySessionResultsOutput };

/** The checks and the answers of a job whose application is not stored yet; throws for a job that can never apply. */
export function prepareSession(pending: PendingResults, inputs: FeedbackInputs, now: Date): PreparedSession {
  const { payload } = pending;
  const { session } = inputs;
  if (!session || session.userId !== payload.userId) {
    throw new UnrecoverableError(`session ${payload.sessionId} does not exist for learner ${payload.userId}`);
  }
  const before = inputs.learner;
  if (before.status === 'erased') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);
  // The pick's prediction when it was asked (the session's current plan) is stored with the
  // answer: the calibration metrics compare the two.
  const planned = new Map(session.questions.map((q) => [q.questionId, q.predictedSuccess]));
  const answers = payload.answers.map((a) => ({ ...a, answeredAt: a.answeredAt ? new Date(a.answeredAt) : now, predicted: planned.get(a.questionId) ?? null }));
  const recordedIds = new Set(inputs.recorded.map((r) => r.questionId));
  return {
    pending,
    session,
    before,
    answers,
    now,
    guessedState: before.status === 'active' ? before.state : createLearnerState(payload.userId),
    guessedFresh: new Set(answers.map((a) => a.questionId).filter((id) => !recordedIds.has(id))),
    continuing: inputs.recorded.length > 0,
  };
}

/** The model's update for the session's `fresh` answers from this learner state (pure, given the answered questions). */
export function computeUpdate(prep: PreparedSession, answered: AnsweredQuestions, state: LearnerState, fresh: ReadonlySet<string>, continuing: boolean): SessionUpdate {
  const toApply = prep.answers.filter((a) => fresh.has(a.questionId));
  const { questions, items, reviews } = answered;
  const out = applySessionResults({
    learner: state,
    items,
    reviews,
    questions,
    answers: toApply.map((a) => ({ questionId: a.questionId, correct: a.correct, responseMs: a.responseMs, answeredAt: a.answeredAt.getTime() })),
    now: prep.now.getTime(),
    config: { scheduler: prep.pending.ctx.services.config.SPACED_REPETITION },
    // Answers handed in one at a time: the once-per-session steps ran with the first ones.
    continuing,
  });
  return { toApply, out };
}

/**
 * Under the lock: does the guess still hold (nobody changed the learner, the new answers are the ones guessed)?
 * isDeepStrictEqual ignores key order (jsonb reorders keys) and builds no strings, unlike the sorted
 * JSON it replaces (~50 µs a session, `npm run bench:profile -- --pipeline feedback`); whatever it
 * calls equal serialises equal, and a false "changed" only takes the slow path.
 */
export function guessHolds(prep: PreparedSession, learner: LearnerState, fresh: ReadonlySet<string>): boolean {
  return isDeepStrictEqual(learner, prep.guessedState) && fresh.size === prep.guessedFresh.size && [...fresh].every((id) => prep.guessedFresh.has(id));
}

/** The slow path's reads under the lock: what the session held before this job's answers. */
export async function readUnderLock(trx: ProcessorContext['db'], prep: PreparedSession, fresh: ReadonlySet<string>) {
  const { userId, sessionId } = prep.pending.payload;
  const answered = await loadAnsweredQuestions(trx, userId, [...fresh]);
  const continuing = (await sessionAnswers(trx, sessionId)).length > fresh.size;
  return { answered, continuing };
}

export function itemChangesOf({ out }: SessionUpdate): ItemChange[] {
  return out.applied.map((a) => ({ questionId: a.questionId, delta: a.difficultyAfter - a.difficultyBefore, answers: 1, info: a.itemInfo }));
}

export function modelWritesOf(update: SessionUpdate): SessionModelWrites | undefined {
  if (update.toApply.length === 0) return undefined;
  return { learner: update.out.learner, items: itemChangesOf(update), reviews: Object.values(update.out.reviews) };
}

/** The traces of the rules the update fired (one decision id per job key and rule), plus a re-plan's. */
export function tracesOf(prep: PreparedSession, { out }: SessionUpdate, replanned?: Replanned): DecisionTrace[] {
  const { payload, jobKey, ctx } = prep.pending;
  const createdAt = ctx.job.enqueuedAt.toISOString();
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
  if (replanned?.trace) traces.push(replanned.trace);
  return traces;
}

/** The stored application: the job's result (the outcome fills in `successRate`/`flowAchieved`) and its traces. */
export function outcomeWritesOf(prep: PreparedSession, { out }: SessionUpdate, traces: DecisionTrace[], replanned?: Replanned): SessionOutcomeWrites {
  const { payload, jobKey, ctx } = prep.pending;
  return {
    flowBand: resolveAdaptiveConfig({ scheduler: ctx.services.config.SPACED_REPETITION }).flow,
    completedEvent: { eventId: analyticsEventId('session-completed', payload.sessionId), occurredAt: ctx.job.enqueuedAt.toISOString() },
    jobKey,
    result: {
      sessionId: payload.sessionId,
      userId: payload.userId,
      applied: out.applied.length,
      skill: out.learner.skill,
      level: skillToLevel(out.learner.skill),
      comebackMode: out.learner.comebackMode,
      firedRules: out.firedRules.map((r) => r.rule),
      ...(replanned ? { answered: replanned.answered, remaining: replanned.remaining.map(toSessionQuestion) } : {}),
    },
    traces,
  };
}

/** What a committed session leaves for after the commit: its result, traces, and what to invalidate and count. */
export interface AppliedSession {
  result: FeedbackResultsResult;
  traces: DecisionTrace[];
  justCompleted: boolean;
  changedQuestions: string[];
}

export function appliedSession(update: SessionUpdate, outcomeWrites: SessionOutcomeWrites, outcome: SessionOutcome | undefined): AppliedSession {
  const result = { ...outcomeWrites.result, successRate: outcome?.successRate ?? 0, flowAchieved: outcome?.flowAchieved ?? false } as FeedbackResultsResult;
  return { result, traces: outcomeWrites.traces as DecisionTrace[], justCompleted: outcome?.justCompleted ?? false, changedQuestions: update.out.applied.map((a) => a.questionId) };
}

/**
 * After the commit of one or more sessions: the learners' models and the answered questions'
 * ratings changed, a re-plan rewrote its session's positions — one Redis round trip for all of
 * them; the completions are counted (a transaction rolled back and retried counts nothing); and
 * the traces go to decision-insights together (one job for up to MAX_TRACES_PER_JOB).
 */
export async function afterCommit(services: WorkerServices, applied: readonly AppliedSession[], replayedTraces: readonly DecisionTrace[] = []): Promise<void> {
  await services.cache.invalidateMany([
    { family: 'profile', ids: applied.map((a) => a.result.userId) },
    { family: 'question', ids: applied.flatMap((a) => a.changedQuestions) },
    { family: 'session', ids: applied.flatMap((a) => (a.result.remaining ? [a.result.sessionId] : [])) },
  ]);
  for (const a of applied) if (a.justCompleted) sessionsCompleted.inc({ flow: a.result.flowAchieved ? 'achieved' : 'missed' });
  await sendTraces(services, [...replayedTraces, ...applied.flatMap((a) => a.traces)]);
}

/**
 * One session on its own, in its own transaction: a re-plan (its writes and the re-plan share the
 * transaction), and every session of a batch that failed (feedback-batcher.ts), so one bad session
 * fails only its own job. Round trips: one read before the lock (loadFeedbackInputsMany), then
 * BEGIN, the lock with the attempts, one statement for every other write, COMMIT; one Redis
 * pipeline for the cache invalidations.
 */
export async function applySessionAlone(pending: PendingResults): Promise<FeedbackResultsResult> {
  const { payload, ctx } = pending;
  const [inputs] = await loadFeedbackInputsMany(ctx.db, [inputsRequest(pending)]);
  if (inputs!.application) {
    await sendTraces(ctx, inputs!.application.traces as DecisionTrace[]);
    return inputs!.application.result as FeedbackResultsResult;
  }
  const prep = prepareSession(pending, inputs!, ctx.services.now());
  // The reads and the computation happen before the learner's row is locked, so the lock covers
  // only the writes. Under the lock the guess is checked: if another job changed the learner, or
  // the set of new answers is not the one guessed (a concurrent resubmission), it is computed
  // again there — the slow path, correct as before.
  const guess = computeUpdate(prep, inputs!.answered, prep.guessedState, prep.guessedFresh, prep.continuing);
  const ids = { userId: payload.userId, sessionId: payload.sessionId };

  const applied = await ctx.db.transaction().execute(async (trx) => {
    // A first session: the learner's row is created, then locked.
    if (prep.before.status === 'unknown') await insertLearnersIfMissing(trx, [payload.userId]);
    const lockOne = async () => (await lockLearnersAndRecordAnswers(trx, [{ ...ids, answers: prep.answers }]))[0]!;
    let { learner, fresh } = await lockOne();
    if (learner.status === 'unknown') {
      // Its row went since the read (a hard delete): created again, as before the read was folded.
      await insertLearnersIfMissing(trx, [payload.userId]);
      ({ learner, fresh } = await lockOne());
    }
    if (learner.status !== 'active') throw new UnrecoverableError(`learner ${payload.userId} has been erased`);

    let update = guess;
    if (!guessHolds(prep, learner.state, fresh)) {
      const { answered, continuing } = await readUnderLock(trx, prep, fresh);
      update = computeUpdate(prep, answered, learner.state, fresh, continuing);
    }
    const model = modelWritesOf(update);
    // A re-plan composes from the review states just written, so the model goes first on its own.
    if (payload.replan) await writeSessionResults(trx, prep.now, [{ ...ids, model }]);
    const replanned = payload.replan ? await replanSession(ctx, trx, prep.session, update.out.learner, prep.now, update.toApply.length > 0) : undefined;
    const outcomeWrites = outcomeWritesOf(prep, update, tracesOf(prep, update, replanned), replanned);
    // The outcome (success rate, flow) is counted by the same statement that stores the result.
    const [outcome] = await writeSessionResults(trx, prep.now, [{ ...ids, model: payload.replan ? undefined : model, outcome: outcomeWrites }]);
    return appliedSession(update, outcomeWrites, outcome);
  });

  await afterCommit(ctx.services, [applied]);
  return applied.result;
}
