import { setMaxListeners } from 'node:events';
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
  private readonly released = new AbortController();

  constructor(
    private readonly connection: RedisClient,
    private readonly prefix: string,
    private readonly queueFor: (name: QueueName) => import('bullmq').Queue,
  ) {
    // One listener per waiting request, removed when its wait ends: not a leak.
    setMaxListeners(0, this.released.signal);
  }

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
      // Every waiting request listens on the one stream (and stops when its wait ends): more than
      // Node's default of 10 at once is normal, not a leak, and must not print a warning line.
      qe.setMaxListeners(0);
      events = qe.waitUntilReady().then(() => qe);
      this.events.set(queue, events);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(`job events for ${queue} not available within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([events, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Shutdown: every wait, now and later, ends at once as 'pending', so its request is answered 202
   * (the job is safe in Redis; the client polls) instead of holding the HTTP server open.
   */
  release(): void {
    this.released.abort();
  }

  async wait(queue: QueueName, jobId: string, ms: number): Promise<WaitOutcome> {
    if (this.released.signal.aborted) return { state: 'pending' };
    const events = await this.ready(queue);
    const job = await Job.fromId(this.queueFor(queue), jobId);
    if (!job) return { state: 'pending' };
    let onRelease: (() => void) | undefined;
    const released = new Promise<'released'>((resolve) => {
      onRelease = () => resolve('released');
      this.released.signal.addEventListener('abort', onRelease, { once: true });
    });
    try {
      const result = await Promise.race([job.waitUntilFinished(events, ms), released]);
      if (result === 'released') return { state: 'pending' };
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
    } finally {
      this.released.signal.removeEventListener('abort', onRelease!);
    }
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.events.values()]);
    await Promise.allSettled(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    this.events.clear();
  }
}
