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
