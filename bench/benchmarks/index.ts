import type { Benchmark } from '../benchmark.js';

export interface BenchmarkEntry {
  /** The module's file name (without extension); also its `name`. */
  name: string;
  /** Its row label in the report. */
  title: string;
  /**
   * Imported lazily, one by one: a module whose dependency has not landed yet fails on its own
   * and is reported as skipped, without taking the others down.
   */
  load: () => Promise<{ default: Benchmark }>;
}

/** Every benchmark, in report order. To add one: a file in this folder and a line here. */
export const benchmarks: BenchmarkEntry[] = [
  { name: 'queue-overhead', title: '1. Queue overhead: BullMQ no-op', load: () => import('./queue-overhead.js') },
  { name: 'validation-pipeline', title: '2. Question validation end to end', load: () => import('./validation-pipeline.js') },
  { name: 'bloom-scoring', title: '3. Bloom scoring', load: () => import('./bloom-scoring.js') },
  { name: 'feedback-loop', title: '4. Feedback loop: session results applied', load: () => import('./feedback-loop.js') },
  { name: 'decision-insights', title: '5. Decision insights persisted', load: () => import('./decision-insights.js') },
  { name: 'http-enqueue', title: '6. HTTP: POST /api/questions/validate', load: () => import('./http-enqueue.js') },
  { name: 'worker-memory', title: '7. Worker memory under sustained load', load: () => import('./worker-memory.js') },
  { name: 'pipeline-latency', title: '8. Latency per pipeline at 10/50/90% of saturation', load: () => import('./pipeline-latency.js') },
  { name: 'session-scale', title: '9. Session generation at scale (100k learners; 1k/10k/100k questions)', load: () => import('./session-scale.js') },
  { name: 'read-cache', title: '10. Read-through cache: question reads', load: () => import('./read-cache.js') },
];
