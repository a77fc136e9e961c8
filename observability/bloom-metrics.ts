import { Histogram } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

/**
 * Bloom scoring on the Piscina pool (workers/bloom/bloom-pool.ts).
 *
 * Piscina threads have no registry of their own that anyone scrapes: a thread measures its compute
 * time and returns it with each batch's result, and the main thread observes it here. The gap
 * between the two histograms is time spent queued for a free thread plus message passing.
 */
const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const bloomScoringSeconds = new Histogram({
  name: 'learnloop_bloom_scoring_seconds',
  help: 'One scoring batch as the main thread sees it: queued for a thread, scored, and returned.',
  buckets,
  registers: [metricsRegistry],
});

export const bloomThreadComputeSeconds = new Histogram({
  name: 'learnloop_bloom_thread_compute_seconds',
  help: 'One scoring batch as the Piscina thread measured it: compute time only (shipped back with the result).',
  buckets,
  registers: [metricsRegistry],
});
