import { defineProcessor } from '../../runtime/processor.js';
import { feedbackBatcherFor } from './feedback-batcher.js';
import { applySessionAlone, pendingResults } from './session-results.js';

/**
 * feedback-loop/results: applies a session's answers to the learner model, the items' ratings, the
 * review schedule, streaks, comeback mode and mastery (core/feedback/apply-session-results.ts),
 * exactly once (session-results.ts says how).
 *
 * The work is shared with the other results jobs in flight in this process: one read, one
 * transaction of two statements and one trace job per batch of sessions (feedback-batcher.ts). A
 * re-plan (answers handed in one at a time) runs alone: it composes the session's rest from the
 * review states it has just written, in its own transaction.
 */
export const feedbackResultsProcessor = defineProcessor('feedback-loop', 'results', async (payload, ctx) => {
  const pending = pendingResults(payload, ctx);
  return payload.replan ? applySessionAlone(pending) : feedbackBatcherFor(ctx.services).apply(pending);
});
