import { Job, QueueEvents } from 'bullmq';
import type { RedisClient } from '../pipelines/redis-connection.js';
import { QueueUnavailableError } from '../pipelines/redis-connection.js';
import type { QueueName } from '../pipelines/registry.js';

export type WaitOutcome =
  | { state: 'completed'; result: unknown }
  | { state: 'failed'; reason: string }
  | { state: 'pending' };

/**
 * Waits for a job to finish, for `?wait=MS`. One QueueEvents stream per queue, opened on first use
 * and shared by every waiting request.
 */
export class JobWaiter {
  private readonly events = new Map<QueueName, Promise<QueueEvents>>();

  constructor(
    private readonly connection: RedisClient,
    private readonly prefix: string,
    private readonly queueFor: (name: QueueName) => import('bullmq').Queue,
  ) {}

  /**
   * Call before adding the job, so its completion cannot slip past an unopened stream. Bounded: a
   * stream first opened while Redis is away would wait for Redis (its connection retries for ever),
   * so the request gets a QueueUnavailableError (503) instead; the stream keeps opening meanwhile.
   */
  ready(queue: QueueName, timeoutMs = 2_000): Promise<QueueEvents> {
    let events = this.events.get(queue);
    if (!events) {
      const qe = new QueueEvents(queue, { connection: this.connection, prefix: this.prefix });
      qe.on('error', () => {});
      events = qe.waitUntilReady().then(() => qe);
      this.events.set(queue, events);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(`job events for ${queue} not available within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([events, timeout]).finally(() => clearTimeout(timer));
  }

  async wait(queue: QueueName, jobId: string, ms: number): Promise<WaitOutcome> {
    const events = await this.ready(queue);
    const job = await Job.fromId(this.queueFor(queue), jobId);
    if (!job) return { state: 'pending' };
    try {
      const result = await job.waitUntilFinished(events, ms);
      return { state: 'completed', result };
    } catch (error) {
      const state = await job.getState();
      if (state === 'failed') {
        const fresh = await Job.fromId(this.queueFor(queue), jobId);
        return { state: 'failed', reason: fresh?.failedReason ?? (error as Error).message };
      }
      if (state === 'completed') {
        const fresh = await Job.fromId(this.queueFor(queue), jobId);
        return { state: 'completed', result: fresh?.returnvalue };
      }
      return { state: 'pending' };
    }
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.events.values()]);
    await Promise.allSettled(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    this.events.clear();
  }
}
