import { Queue, Worker } from 'bullmq';
import { defaultJobOptions } from '../../pipelines/default-job-options.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { CompletionCounter } from './completion-counter.js';
import type { CpuMeter } from './cpu-meter.js';
import { type DrainTiming, addInChunks, timedDrain } from './timed-drain.js';

/**
 * Plain BullMQ with a processor that does nothing: the queue's own cost per job, the baseline the
 * other throughput figures are divided by. Same connection settings and job options (attempts,
 * backoff, retention) as the system's queues, so the ratio isolates what our processing adds.
 * `processor` replaces the empty one for a floor that must do the bare minimum of the work
 * (e.g. the insights bench's "BullMQ, then COPY, nothing else").
 */
export class NoopQueue {
  readonly queue: Queue;
  private readonly worker: Worker;
  private readonly counter: CompletionCounter;
  private readonly connections;

  constructor(
    redisUrl: string,
    prefix: string,
    name: string,
    concurrency: number,
    processor: (data: Record<string, unknown>) => Promise<unknown> = async () => null,
  ) {
    this.connections = [createRedisConnection(redisUrl, 'worker'), createRedisConnection(redisUrl, 'worker')];
    this.queue = new Queue(name, { connection: this.connections[0]!, prefix });
    this.worker = new Worker(name, (job) => processor(job.data as Record<string, unknown>), { connection: this.connections[1]!, prefix, concurrency });
    this.worker.on('error', () => {});
    this.counter = new CompletionCounter([this.worker]);
  }

  /** Bulk-adds `jobs` copies-with-unique-ids of `payload(i)`, then times their processing. */
  async drain(jobs: number, jobName: string, payload: (i: number) => Record<string, unknown>, cpu?: Pick<CpuMeter, 'snapshot'>): Promise<DrainTiming> {
    const timing = await timedDrain({
      queue: this.queue,
      counter: this.counter,
      jobs,
      cpu,
      add: (count) =>
        addInChunks(count, 1_000, (from, to) =>
          this.queue.addBulk(
            Array.from({ length: to - from }, (_, k) => ({ name: jobName, data: payload(from + k), opts: defaultJobOptions })),
          ),
        ),
    });
    await this.queue.clean(0, 0, 'completed');
    return timing;
  }

  async close(): Promise<void> {
    this.counter.close();
    await this.worker.close();
    await this.queue.obliterate({ force: true }).catch(() => {});
    await this.queue.close();
    await Promise.allSettled(this.connections.map((c) => c.quit()));
  }
}
