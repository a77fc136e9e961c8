import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

/**
 * Worker metrics, owned by the worker runtime (workers/runtime/run-workers.ts) and nothing else.
 * The job name label is `job_name`, not `job`: Prometheus attaches its own `job` label (the scrape
 * job) to every series and would rename ours to `exported_job`.
 */

const jobBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export const jobWaitSeconds = new Histogram({
  name: 'learnloop_job_wait_seconds',
  help: 'Time a job waited in its queue before a worker picked it up.',
  labelNames: ['queue', 'job_name'] as const,
  buckets: jobBuckets,
  registers: [metricsRegistry],
});

export const jobProcessingSeconds = new Histogram({
  name: 'learnloop_job_processing_seconds',
  help: 'Time a processor spent on one attempt of a job.',
  labelNames: ['queue', 'job_name', 'status'] as const,
  buckets: jobBuckets,
  registers: [metricsRegistry],
});

export const jobsCompleted = new Counter({
  name: 'learnloop_jobs_completed_total',
  help: 'Jobs completed successfully.',
  labelNames: ['queue', 'job_name'] as const,
  registers: [metricsRegistry],
});

export const jobsFailed = new Counter({
  name: 'learnloop_jobs_failed_total',
  help: 'Job attempts that threw (a job retried three times counts three).',
  labelNames: ['queue', 'job_name'] as const,
  registers: [metricsRegistry],
});

export const jobsDeadLettered = new Counter({
  name: 'learnloop_jobs_dead_lettered_total',
  help: 'Jobs that failed for good: attempts exhausted or unrecoverable.',
  labelNames: ['queue', 'job_name'] as const,
  registers: [metricsRegistry],
});

export const jobsStalled = new Counter({
  name: 'learnloop_jobs_stalled_total',
  help: 'Jobs whose worker lost its lock (crashed or blocked) and were put back.',
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
});


export interface QueueDepth {
  queue: string;
  counts: Record<string, number>;
}
let queueDepthSource: (() => Promise<QueueDepth[]>) | undefined;

/** The process that serves /metrics says where queue depths come from (its producer's queues). */
export function setQueueDepthSource(source: (() => Promise<QueueDepth[]>) | undefined): void {
  queueDepthSource = source;
}

export const queueJobsByState = new Gauge({
  name: 'learnloop_queue_jobs_by_state',
  help: 'Jobs in each queue by state (waiting, active, delayed, prioritized, waiting-children, completed, failed), read from Redis at scrape time.',
  labelNames: ['queue', 'state'] as const,
  registers: [metricsRegistry],
  async collect() {
    if (!queueDepthSource) return;
    const depths = await queueDepthSource().catch(() => []);
    this.reset();
    for (const { queue, counts } of depths) {
      for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
    }
  },
});
