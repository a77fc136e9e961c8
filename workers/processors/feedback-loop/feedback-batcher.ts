import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import type { FeedbackResultsResult } from '../../../core/contracts/session-contracts.js';
import type { LearnerState } from '../../../core/learner/learner-state.js';
import {
  type FeedbackInputs,
  type SessionWrites,
  addItemChanges,
  loadFeedbackInputsMany,
  lockLearnersAndRecordAnswers,
  withItemChanges,
  writeSessionResults,
} from '../../../db/queries/feedback.js';
import { isDatabaseUnavailable } from '../../../db/database.js';
import { insertLearnersIfMissing } from '../../../db/queries/learners.js';
import { UnrecoverableError } from 'bullmq';
import { MicroBatcher } from '../../runtime/micro-batcher.js';
import { onePerServices } from '../../runtime/per-services.js';
import type { WorkerServices } from '../../runtime/processor.js';
import {
  type AppliedSession,
  type PendingResults,
  type PreparedSession,
  type SessionUpdate,
  afterCommit,
  appliedSession,
  applySessionAlone,
  computeUpdate,
  guessHolds,
  inputsRequest,
  itemChangesOf,
  modelWritesOf,
  outcomeWritesOf,
  prepareSession,
  readUnderLock,
  tracesOf,
} from './session-results.js';

/** What a job gets back: its result, or its own error. */
type ResultsOutcome = FeedbackResultsResult | Error;

/** Sessions gathered into one batch at most (10 answers each: a few hundred rows per statement). */
const MAX_BATCH = 32;
/**
 * How long a lone session waits for company. Small on purpose: at low load it is pure latency;
 * under load batches grow by themselves while the flushes in flight are busy (MicroBatcher).
 */
const MAX_WAIT_MS = 1;
/** One batch in its transaction while the next one reads: more would only queue on the same learners and questions. */
const MAX_CONCURRENT_FLUSHES = 2;

/**
 * The feedback-loop/results actor's shared work, one per process (per WorkerServices), as the
 * ValidationBatcher is for `validate`: concurrently running results jobs (sessions) hand their
 * session to a MicroBatcher, and each batch costs
 *   one SELECT of everything the sessions read before the lock (loadFeedbackInputsMany),
 *   BEGIN, one statement locking every learner and recording every answer, one statement with
 *   every other write (a multi-row statement per table: learners, item ratings, review states,
 *   sessions, completion events, stored applications), COMMIT,
 *   one Redis pipeline of cache invalidations and one `record-batch` job with every trace,
 * instead of all of these per session (bench/README.md, "Where a job's time goes").
 *
 * The result is the one sequential processing in arrival order gives:
 * - a learner has at most one session in a batch: its later sessions of the batch are applied one
 *   by one after the batch commits, in order (one statement cannot write a learner's row twice, and
 *   the second must see the first's update);
 * - sessions of different learners that share questions: each is computed from the item ratings
 *   its predecessors in the batch leave (withItemChanges), as if they had committed before it.
 * Locks: every learner of the batch in user id order, then every item rating in question id order,
 * the same global order as the one-session path, so batches cannot deadlock each other.
 *
 * Failure isolation: a session that can never apply (no such session, an erased learner) fails
 * its own job before the batch; should the batch's transaction fail for any other reason (poison
 * data, a learner's row gone under it), it is rolled back and each of its sessions is applied alone
 * (applySessionAlone), so only the bad one fails — unless the database is down, when every job
 * fails at once and BullMQ retries it. Errors after the commit (Redis) fail every job of
 * the batch and BullMQ retries them: a retry finds its stored application and re-sends its traces.
 */
export class FeedbackBatcher {
  private readonly batcher: MicroBatcher<PendingResults, ResultsOutcome>;
  /** Batches flushed so far, and sessions applied by a batch's own transaction (tests check that concurrent jobs shared one). */
  flushes = 0;
  batchedSessions = 0;
  /** Batches whose guesses failed under the lock and were computed again there (the slow path). */
  recomputed = 0;

  constructor(private readonly services: WorkerServices) {
    this.batcher = new MicroBatcher({
      maxItems: MAX_BATCH,
      maxWaitMs: MAX_WAIT_MS,
      maxConcurrentFlushes: MAX_CONCURRENT_FLUSHES,
      flush: (batch) => this.flush(batch),
    });
  }

  /** Applies one session with the others in flight; throws its own error if it has one. */
  async apply(pending: PendingResults): Promise<FeedbackResultsResult> {
    const outcome = await this.batcher.add(pending);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  private async flush(batch: PendingResults[]): Promise<ResultsOutcome[]> {
    this.flushes += 1;
    const now = this.services.now();
    const inputs = await loadFeedbackInputsMany(this.services.db, batch.map(inputsRequest));
    const outcomes: Array<ResultsOutcome | undefined> = batch.map(() => undefined);
    const replayed: DecisionTrace[] = [];
    const together: Array<{ i: number; prep: PreparedSession; inputs: FeedbackInputs }> = [];
    const alone: number[] = [];
    const learners = new Set<string>();
    batch.forEach((pending, i) => {
      const read = inputs[i]!;
      if (read.application) {
        // Applied before (a retried or re-sent job): its stored result, and its traces again.
        replayed.push(...(read.application.traces as DecisionTrace[]));
        outcomes[i] = read.application.result as FeedbackResultsResult;
        return;
      }
      try {
        const prep = prepareSession(pending, read, now);
        if (learners.has(pending.payload.userId)) alone.push(i);
        else {
          learners.add(pending.payload.userId);
          together.push({ i, prep, inputs: read });
        }
      } catch (error) {
        outcomes[i] = error as Error;
      }
    });

    let applied: Array<AppliedSession | Error> = [];
    if (together.length > 0) {
      try {
        applied = await this.applyTogether(together);
        this.batchedSessions += together.length;
      } catch (error) {
        // A database that is down fails each session alone too: every job fails now and BullMQ retries it.
        if (error instanceof Error && isDatabaseUnavailable(error)) throw error;
        together[0]!.prep.pending.ctx.log.warn({ err: { message: (error as Error).message }, sessions: together.length }, 'a feedback batch failed; applying its sessions one by one');
        // Rolled back: each session alone, in order, so only the bad one fails.
        for (const { i, prep } of together) outcomes[i] = await applySessionAlone(prep.pending).catch((e: unknown) => e as Error);
      }
    }
    const committed = applied.filter((a): a is AppliedSession => !(a instanceof Error));
    applied.forEach((a, n) => (outcomes[together[n]!.i] = a instanceof Error ? a : a.result));
    await afterCommit(this.services, committed, replayed);

    // A learner's later sessions of this batch, after its first has committed, in arrival order.
    for (const i of alone) outcomes[i] = await applySessionAlone(batch[i]!).catch((e: unknown) => e as Error);
    return outcomes.map((o, i) => o ?? new Error(`results of session ${batch[i]!.payload.sessionId} went missing from its batch`));
  }

  /** Sessions of different learners in one transaction; throws (rolled back) if any part of it fails. */
  private async applyTogether(sessions: Array<{ prep: PreparedSession; inputs: FeedbackInputs }>): Promise<Array<AppliedSession | Error>> {
    // Computed before the locks, so they cover only the writes (checked under them).
    const guesses = computeInOrder(
      sessions.map((s) => s.prep),
      sessions.map(({ prep, inputs }) => ({ answered: inputs.answered, state: prep.guessedState, fresh: prep.guessedFresh, continuing: prep.continuing })),
    );

    return this.services.db.transaction().execute(async (trx) => {
      // First sessions: the learners' rows are created, then locked.
      await insertLearnersIfMissing(trx, sessions.flatMap(({ prep }) => (prep.before.status === 'unknown' ? [prep.pending.payload.userId] : [])));
      const locked = await lockLearnersAndRecordAnswers(
        trx,
        sessions.map(({ prep }) => ({ sessionId: prep.pending.payload.sessionId, userId: prep.pending.payload.userId, answers: prep.answers })),
      );
      // A learner's row gone since the read (a hard delete): the one-session path creates it again.
      if (locked.some((l) => l.learner.status === 'unknown')) throw new Error('a learner of the batch has no row any more');

      // Erased since the read: nothing was recorded for it (the insert is gated on the locked row); it fails alone.
      const active = locked.map((l) => (l.learner.status === 'active' ? l.learner.state : undefined));
      let updates: Array<SessionUpdate | undefined> = guesses;
      const holds = sessions.every(({ prep }, n) => active[n] && guessHolds(prep, active[n], locked[n]!.fresh));
      if (!holds) {
        this.recomputed += 1;
        // Slow path: the sessions whose guess failed read again under the lock, and every session
        // is computed again in order (its predecessors' item changes may have changed).
        const reads: Array<ModelReads | undefined> = [];
        for (const [n, { prep, inputs }] of sessions.entries()) {
          const state = active[n];
          const fresh = locked[n]!.fresh;
          if (!state) reads.push(undefined);
          else if (guessHolds(prep, state, fresh)) reads.push({ answered: inputs.answered, state, fresh, continuing: prep.continuing });
          else reads.push({ ...(await readUnderLock(trx, prep, fresh)), state, fresh });
        }
        const kept = sessions.flatMap((_, n) => (reads[n] ? [n] : []));
        const recomputed = computeInOrder(kept.map((n) => sessions[n]!.prep), kept.map((n) => reads[n]!));
        updates = sessions.map(() => undefined);
        kept.forEach((n, k) => (updates[n] = recomputed[k]));
      }

      const writes: SessionWrites[] = [];
      const parts = sessions.map(({ prep }, n) => {
        const update = updates[n];
        if (!update) return undefined;
        const outcome = outcomeWritesOf(prep, update, tracesOf(prep, update));
        writes.push({ userId: prep.pending.payload.userId, sessionId: prep.pending.payload.sessionId, model: modelWritesOf(update), outcome });
        return { update, outcome };
      });
      const stored = await writeSessionResults(trx, sessions[0]!.prep.now, writes);
      let w = 0;
      return parts.map((part, n) =>
        part ? appliedSession(part.update, part.outcome, stored[w++]) : new UnrecoverableError(`learner ${sessions[n]!.prep.pending.payload.userId} has been erased`),
      );
    });
  }
}

/** What a session's update is computed from. */
interface ModelReads {
  answered: FeedbackInputs['answered'];
  state: LearnerState;
  fresh: ReadonlySet<string>;
  continuing: boolean;
}

/** Each session's update, computed in order from the item ratings its predecessors in the batch leave. */
function computeInOrder(sessions: readonly PreparedSession[], reads: readonly ModelReads[]): SessionUpdate[] {
  const changes = new Map<string, { delta: number; answers: number; info: number }>();
  return sessions.map((prep, n) => {
    const r = reads[n]!;
    const update = computeUpdate(prep, withItemChanges(r.answered, changes), r.state, r.fresh, r.continuing);
    addItemChanges(changes, itemChangesOf(update));
    return update;
  });
}

/** The process's batcher for these services (a test process may run several systems). */
export const feedbackBatcherFor = onePerServices((services) => new FeedbackBatcher(services));
