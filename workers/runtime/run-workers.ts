import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/logger.js';
import {
  jobProcessingSeconds,
  jobWaitSeconds,
  jobsCompleted,
  jobsDeadLettered,
  jobsFailed,
  jobsStalled,
} from '../../observability/job-metrics.js';
import { type QueueName, jobDefinition } from '../../pipelines/registry.js';
import { checkProcessors } from './check-processors.js';
import type { ProcessorEntry, WorkerServices } from './processor.js';

export interface WorkerGroupOptions {
  queues: readonly QueueName[];
  processors: ProcessorEntry[];
  /** A worker-role connection; BullMQ duplicates it for its blocking reads. */
  connection: Redis;
  prefix: string;
  concurrency: (queue: QueueName) => number;
  services: WorkerServices;
  logger: Logger;
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
        jobWaitSeconds.observe({ queue, job: job.name }, Math.max(0, started - ready) / 1000);
        const log = logger.child({ queue, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 });
        let status = 'failed';
        try {
          const result = await entry.process(parsed.data, {
            log,
            db: services.db,
            producer: services.producer,
            signal: signal ?? new AbortController().signal,
            job: {
              id: job.id!,
              queue,
              name: job.name,
              attempt: job.attemptsMade + 1,
              enqueuedAt: new Date(job.timestamp),
            },
            reportProgress: (progress) => job.updateProgress(progress),
            services,
          });
          status = 'completed';
          return result;
        } finally {
          jobProcessingSeconds.observe({ queue, job: job.name, status }, (Date.now() - started) / 1000);
        }
      },
      {
        connection: options.connection,
        prefix: options.prefix,
        concurrency: options.concurrency(queue),
        // Stalled-job detection: a worker that dies (kill -9) loses its lock after lockDuration and
        // its jobs go back to wait. Checked every 15 s; a job may stall twice before it fails.
        lockDuration: 30_000,
        stalledInterval: 15_000,
        maxStalledCount: 2,
      },
    );
    worker.on('completed', (job) => jobsCompleted.inc({ queue, job: job.name }));
    worker.on('failed', (job, error) => {
      if (!job) return;
      jobsFailed.inc({ queue, job: job.name });
      const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final) jobsDeadLettered.inc({ queue, job: job.name });
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
          await Promise.allSettled(workers.map((w) => w.close(true)));
        }
      })();
      return closing;
    },
  };
}
