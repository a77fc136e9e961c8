import { ADAPTIVE_MODEL_VERSION } from '../../../core/adaptive-config.js';
import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import type { LearnerState } from '../../../core/learner/learner-state.js';
import { composeSession } from '../../../core/session/compose-session.js';
import type { SessionPick } from '../../../core/session/session-candidate.js';
import type { Db } from '../../../db/database.js';
import { sessionAnswers } from '../../../db/queries/feedback.js';
import { loadSessionCandidates, replaceSessionQuestions, type StoredSession } from '../../../db/queries/sessions.js';
import type { ProcessorContext } from '../../runtime/processor.js';
// Same pool as session generation: the questions rated nearest the learner, plus due reviews.
import { CANDIDATE_POOL } from '../session-generation/generate.js';



export interface Replanned {
  answered: number;
  remaining: SessionPick[];
  trace?: DecisionTrace;
}

/**
 * Re-plans the positions of a session not answered yet from the learner model just updated by
 * its answers (answers handed in one at a time). The answered questions keep their picks, in the
 * order they were answered; the rest of the flow curve is composed again (composeSession with
 * fromPosition/exclude) and stored as the session's plan. When the call applied nothing new (the
 * same answers again) the stored plan is returned unchanged, so a repeat changes nothing.
 */
export async function replanSession(
  ctx: ProcessorContext,
  trx: Db,
  session: StoredSession,
  learner: LearnerState,
  now: Date,
  changed: boolean,
): Promise<Replanned> {
  const answered = await sessionAnswers(trx, session.id);
  const asked = new Set(answered.map((a) => a.questionId));
  if (!changed || answered.length >= session.size) {
    const remaining = answered.length >= session.size ? [] : session.questions.filter((q) => !asked.has(q.questionId)).sort((a, b) => a.position - b.position);
    return { answered: answered.length, remaining };
  }
  const candidates = await loadSessionCandidates(trx, {
    userId: session.userId,
    categoryId: session.categoryId,
    aroundDifficulty: learner.skill,
    limit: CANDIDATE_POOL,
    now,
  });
  const { questions, trace } = composeSession({
    learner,
    candidates,
    now: now.getTime(),
    size: session.size,
    categoryId: session.categoryId,
    fromPosition: answered.length + 1,
    exclude: [...asked],
    seed: `${session.id}#${answered.length}`,
    config: { scheduler: ctx.services.config.SPACED_REPETITION },
  });
  const stored = new Map(session.questions.map((q) => [q.questionId, q]));
  const kept = answered.flatMap((a, i) => {
    const q = stored.get(a.questionId);
    return q ? [{ ...q, position: i + 1 }] : [];
  });
  await replaceSessionQuestions(trx, session.id, [...kept, ...questions]);
  return {
    answered: answered.length,
    remaining: questions,
    trace: {
      // One re-plan per answer count: a retried job writes the same decision again.
      decisionId: `replan-${session.id}-${answered.length}`,
      kind: 'session-replan',
      userId: session.userId,
      sessionId: session.id,
      createdAt: now.toISOString(),
      inputs: { ...trace.inputs, answered: answered.map((a) => ({ questionId: a.questionId, correct: a.correct })), candidatePool: candidates.length },
      outputs: { choices: trace.choices, candidatesConsidered: trace.candidatesConsidered },
      modelVersion: trace.modelVersion ?? ADAPTIVE_MODEL_VERSION,
    },
  };
}
