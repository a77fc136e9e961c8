import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

/**
 * Metrics of the decision-insights actor and its read cache. No labels beyond bounded sets: never
 * a decision, learner or session id. Queue depth of `decision-insights` (traces not yet picked up)
 * is learnloop_queue_jobs_by_state{queue="decision-insights"} in job-metrics.ts; the gauge below
 * counts traces a worker has picked up and holds in its micro-batch, not yet committed.
 */

const writeBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The "decision-write p99 > 500 ms" alert reads this one: a trace's wait in the batch plus the commit. */
export const decisionWriteSeconds = new Histogram({
  name: 'learnloop_decision_write_seconds',
  help: 'Per trace: from entering the write batch until the batch committed (batching wait included).',
  labelNames: ['outcome'] as const, // stored | failed
  buckets: writeBuckets,
  registers: [metricsRegistry],
});

export const decisionWriteBatchSeconds = new Histogram({
  name: 'learnloop_decision_write_batch_seconds',
  help: 'Per batch: time of the one INSERT … ON CONFLICT DO NOTHING that writes a batch of traces.',
  labelNames: ['outcome'] as const, // stored | failed
  buckets: writeBuckets,
  registers: [metricsRegistry],
});

export const decisionWriteBatchRows = new Histogram({
  name: 'learnloop_decision_write_batch_rows',
  help: 'Traces per write batch.',
  buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500, 1000],
  registers: [metricsRegistry],
});

export const decisionTracesDuplicate = new Counter({
  name: 'learnloop_decision_traces_duplicate_total',
  help: 'Traces not stored by their write: already stored (a retried or re-sent job; kept once, not twice) or about an erased learner.',
  registers: [metricsRegistry],
});

export const decisionTracesPending = new Gauge({
  name: 'learnloop_decision_traces_pending',
  help: 'Traces picked up by this process and waiting in a write batch, not yet committed.',
  registers: [metricsRegistry],
});

export const insightCacheHits = new Counter({
  name: 'learnloop_insight_cache_hits_total',
  help: 'GET /api/insights/:decisionId answered from the Redis cache.',
  registers: [metricsRegistry],
});

export const insightCacheMisses = new Counter({
  name: 'learnloop_insight_cache_misses_total',
  help: 'GET /api/insights/:decisionId not in the Redis cache (read from Postgres, or Redis unavailable).',
  registers: [metricsRegistry],
});
