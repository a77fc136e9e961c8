import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

/**
 * The seeds' learning metrics: validation confidence, questions per session, flow-achievement rate,
 * and read-cache lookups per family. The Prometheus rules (ops/prometheus/alerts.yml) on flow state,
 * validation confidence, pass rate and accuracy and cache hit rate read these; the built-in engine reads the
 * same facts from Postgres and Redis (workers/alerts/collect-alert-samples.ts).
 */

/** Observed for each question scored and stored (not for one reused from an earlier validation). */
export const validationConfidence = new Histogram({
  name: 'learnloop_validation_confidence',
  help: 'Confidence (0–1) of each new question validation.',
  buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
  registers: [metricsRegistry],
});

export const validationsTotal = new Counter({
  name: 'learnloop_validations_total',
  help: 'New question validations, by whether the question passed (quality ≥ 0.7).',
  labelNames: ['passed'] as const, // true | false
  registers: [metricsRegistry],
});

export const validationsLabelled = new Counter({
  name: 'learnloop_validations_labelled_total',
  help: 'New validations of questions that named the author\'s intended Bloom level, by whether the validator agreed (validation accuracy = agreed ÷ all).',
  labelNames: ['agreed'] as const, // true | false
  registers: [metricsRegistry],
});

export const sessionQuestions = new Histogram({
  name: 'learnloop_session_questions',
  help: 'Questions per generated session.',
  buckets: [1, 2, 5, 10, 15, 20, 30, 50, 100],
  registers: [metricsRegistry],
});

/** Counted once per session, when its last answer arrives; flow-achievement rate = achieved ÷ all. */
export const sessionsCompleted = new Counter({
  name: 'learnloop_sessions_completed_total',
  help: 'Sessions completed, by whether the success rate was in the flow band (70–85%).',
  labelNames: ['flow'] as const, // achieved | missed
  registers: [metricsRegistry],
});

export const cacheLookups = new Counter({
  name: 'learnloop_cache_lookups_total',
  help: 'Read-cache lookups by family (insight, question, profile, session) and result (hit, miss).',
  labelNames: ['family', 'result'] as const,
  registers: [metricsRegistry],
});

/** Both views of validations that were just stored. */
export function observeValidations(scores: readonly { confidence: number; passed: boolean; evidence: { agreesWithIntended?: boolean } }[]): void {
  for (const s of scores) {
    validationConfidence.observe(s.confidence);
    validationsTotal.inc({ passed: String(s.passed) });
    if (s.evidence.agreesWithIntended !== undefined) validationsLabelled.inc({ agreed: String(s.evidence.agreesWithIntended) });
  }
}
