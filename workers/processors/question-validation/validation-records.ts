import type { BloomScore } from '../../../core/bloom/bloom-score.js';
import type { QuestionInput } from '../../../core/bloom/question-input.js';
import { type AnalyticsEvent, analyticsEventId } from '../../../core/contracts/analytics-events.js';
import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import { decisionIds } from '../../../core/contracts/ids.js';

/**
 * What a stored validation tells the other actors — a decision trace and an analytics event — for
 * single validations and import chunks alike. Both ids are deterministic (question, content, model
 * version), so a retried job re-sends identical records that the stores ignore.
 */
export interface ScoredQuestion {
  id: string;
  contentHash: string;
  input: QuestionInput;
  score: BloomScore;
}

export function validationTrace(q: ScoredQuestion, enqueuedAt: Date): DecisionTrace {
  return {
    decisionId: decisionIds.validation(q.id, q.contentHash, q.score.modelVersion),
    kind: 'question-validation',
    createdAt: enqueuedAt.toISOString(),
    inputs: { questionId: q.id, text: q.input.text, type: q.input.type, learningObjective: q.input.learningObjective ?? null },
    outputs: { level: q.score.level, qualityScore: q.score.qualityScore, passed: q.score.passed, evidence: q.score.evidence },
    modelVersion: q.score.modelVersion,
  };
}

export function validationEvent(q: ScoredQuestion, enqueuedAt: Date): AnalyticsEvent {
  return {
    eventId: analyticsEventId('question-validated', `${q.id}:${q.contentHash}:${q.score.modelVersion}`),
    kind: 'question-validated',
    occurredAt: enqueuedAt.toISOString(),
    payload: { questionId: q.id, contentHash: q.contentHash, modelVersion: q.score.modelVersion, level: q.score.level, passed: q.score.passed },
  };
}
