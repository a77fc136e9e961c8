import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { RedisClient } from '../../pipelines/redis-connection.js';
import type { Logger } from '../../observability/logger.js';
import {
  jobProcessingSeconds,
  jobWaitSeconds,
  jobsCompleted,
  jobsDeadLettered,
  jobsFailed,
  jobsStalled,
} from '../../observability/job-metrics.js';
import { JobOutcomeRecorder } from '../../observability/job-outcome-counters.js';
import { type QueueName, jobDefinition } from '../../pipelines/registry.js';
import { checkProcessors } from './check-processors.js';
import type { ProcessorEntry, WorkerServices } from './processor.js';

export interface WorkerGroupOptions {
  queues: readonly QueueName[];
  processors: ProcessorEntry[];
  /** A worker-role connection; BullMQ duplicates it for its blocking reads. */
  connection: RedisClient;
  prefix: string;
  concurrency: (queue: QueueName) => number;
  services: WorkerServices;
  logger: Logger;
  /** Stalled-job detection (config WORKER_LOCK_DURATION_MS / WORKER_STALLED_INTERVAL_MS). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface WorkerGroup {
  workers: Worker[];
  /** Stops intake, lets active jobs finish for up to `timeoutMs`, then forces. Safe to call twice. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * The one wrapper around BullMQ's Worker: it checks payloads, gives processors a job-scoped logger
 * and context, and owns every worker metric and event. Processors stay plain functions.
 */
export function startWorkers(options: WorkerGroupOptions): WorkerGroup {
  const { queues, processors, services, logger } = options;
  checkProcessors(processors, queues);
  // Besides this process's counters, outcomes go to per-minute counts in Redis: the alert engine
  // reads those, since it must see the whole cluster (observability/job-outcome-counters.ts).
  const outcomeRecorder = new JobOutcomeRecorder(services.redis, options.prefix);

  const workers = queues.map((queue) => {
    const byJob = new Map(processors.filter((p) => p.queue === queue).map((p) => [p.job, p]));
    const worker = new Worker(
      queue,
      async (job: Job, _token?: string, signal?: AbortSignal) => {
        const entry = byJob.get(job.name);
        if (!entry) throw new UnrecoverableError(`no processor for ${queue}/${job.name}`);
        const def = jobDefinition(queue, job.name);
        const parsed = def.payload.safeParse(job.data);
        if (!parsed.success) {
          // Bad input never gets better by retrying: fail it for good, with the reason.
          throw new UnrecoverableError(`invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
        }
        const started = Date.now();
        const ready = job.timestamp + (job.opts.delay ?? 0);
        jobWaitSeconds.observe({ queue, job_name: job.name }, Math.max(0, started - ready) / 1000);
        // Made on first use: most jobs never log, and a pino child per job was ~1% of a validate job's CPU.
        let log: Logger | undefined;
        let status = 'failed';
        try {
          const result = await entry.process(parsed.data, {
            get log() {
              return (log ??= logger.child({ queue, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 }));
            },
            db: services.db,
            producer: services.producer,
            signal: signal ?? new AbortController().signal,
            job: {
              id: job.id!,
              queue,
              name: job.name,
              attempt: job.attemptsMade + 1,
              enqueuedAt: new Date(job.timestamp),
              parent: job.parent?.id ? { id: job.parent.id, queue: job.parent.queueKey.slice(options.prefix.length + 1) } : undefined,
            },
            reportProgress: (progress) => job.updateProgress(progress),
            childOutcomes: async () => ({
              values: Object.values(await job.getChildrenValues()),
              failures: Object.values(await job.getIgnoredChildrenFailures()),
            }),
            services,
          });
          status = 'completed';
          return result;
        } finally {
          jobProcessingSeconds.observe({ queue, job_name: job.name, status }, (Date.now() - started) / 1000);
        }
      },
      {
        connection: options.connection,
        prefix: options.prefix,
        concurrency: options.concurrency(queue),
        // Stalled-job detection: a worker that dies (kill -9) loses its lock after lockDuration and
        // its jobs go back to wait. Checked every stalledInterval; a job may stall twice before it
        // fails (a job that kills its worker every time must not loop for ever).
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: options.stalledIntervalMs ?? 15_000,
        maxStalledCount: 2,
      },
    );
    const countOutcome = (...outcomes: ('completed' | 'failed' | 'dead')[]) => outcomeRecorder.add(queue, outcomes, services.now().getTime());
    worker.on('completed', (job) => {
      jobsCompleted.inc({ queue, job_name: job.name });
      countOutcome('completed');
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      jobsFailed.inc({ queue, job_name: job.name });
      const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final) jobsDeadLettered.inc({ queue, job_name: job.name });
      countOutcome(...(final ? (['failed', 'dead'] as const) : (['failed'] as const)));
      logger[final ? 'error' : 'warn'](
        { queue, job: job.name, jobId: job.id, attempt: job.attemptsMade, err: { message: error.message, name: error.name } },
        final ? 'job failed for good' : 'job attempt failed; will retry',
      );
    });
    worker.on('stalled', (jobId) => {
      jobsStalled.inc({ queue });
      logger.warn({ queue, jobId }, 'job stalled; it goes back to the queue');
    });
    worker.on('error', (error) => logger.error({ queue, err: { message: error.message } }, 'worker error'));
    return worker;
  });

  let closing: Promise<void> | undefined;
  return {
    workers,
    close(timeoutMs) {
      closing ??= (async () => {
        const graceful = Promise.allSettled(workers.map((w) => w.close()));
        const timedOut = await Promise.race([
          graceful.then(() => false),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
        ]);
        if (timedOut) {
          // Jobs still running go back to the queue through stalled-job detection: nothing is lost.
          logger.warn({ timeoutMs }, 'workers did not finish in time; closing them by force');
          for (const w of workers) w.cancelAllJobs('shutdown');
          // DANGEROUS SPOT: even a forced close can wait for ever — seen on Redis Cluster after a
          // CLUSTERDOWN episode, where some of BullMQ's workers never finished closing. Shutdown must
          // not hang: after another timeout, go on (their connections are closed next) and say so.
          const forced = Promise.allSettled(workers.map((w) => w.close(true)));
          const stuck = await Promise.race([
            forced.then(() => false),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
          ]);
          if (stuck) logger.error({ timeoutMs }, 'workers did not close even when forced; shutting down without them');
        }
        await outcomeRecorder.close();
      })();
      return closing;
    },
  };
}
