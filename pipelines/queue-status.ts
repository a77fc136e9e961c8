import { Job, type JobState, type Queue } from 'bullmq';
import type { Producer } from './producer.js';
import type { QueueName } from './registry.js';

export interface QueueStatus {
  queue: QueueName;
  /** Ready to run now: BullMQ's `wait` plus `prioritized` (delayed and scheduled jobs are not counted). */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Worker connections serving the queue (BullMQ names its worker clients; CLIENT LIST counts them). */
  workers: number;
}

/** Every queue's counts and worker count, read from Redis: the same for every process that asks. */
export async function readQueueStatus(producer: Producer): Promise<QueueStatus[]> {
  return Promise.all(
    producer.allQueues().map(async (queue) => {
      const [counts, workers] = await Promise.all([
        queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed'),
        queue.getWorkersCount(),
      ]);
      return {
        queue: queue.name as QueueName,
        waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        workers,
      };
    }),
  );
}

/**
 * A job by an id a client gave, with its state; undefined if there is none. The one way routes read
 * a job by such an id. State first, for two reasons: a job that finishes between the two reads is
 * not reported 'completed' without the result it did not yet have; and DANGER — BullMQ keeps its
 * own keys beside the job hashes (`<queue>:id`, the id counter; `:events`, `:meta`, `:wait`, …), so
 * `Job.fromId` with the id "id" or "events" reads one of those and fails (WRONGTYPE, a 500). Such an
 * id is in none of the queue's state sets, so it is 'unknown' and never read as a job.
 */
export async function findJob(queue: Queue, jobId: string): Promise<{ job: Job; state: JobState } | undefined> {
  const state = await queue.getJobState(jobId);
  if (state === 'unknown') return undefined;
  const job = await Job.fromId(queue, jobId);
  return job ? { job, state } : undefined;
}
