import type { Job, Worker } from 'bullmq';

/**
 * Counts the jobs finished by in-process workers, through their 'completed'/'failed' events, and
 * keeps each completed job's enqueue-to-finish time (finishedOn − timestamp, from Redis clocks).
 * A failure stops the wait: a benchmark that measures failing jobs measures nothing.
 */
export class CompletionCounter {
  completed = 0;
  failed = 0;
  firstFailure?: string;
  /** ms from enqueue to completion, of jobs accepted by `keepLatency`. */
  latencies: number[] = [];
  /** The same jobs' wait for a worker (processedOn − timestamp): the part a job spends queued. */
  pickups: number[] = [];
  private waiters: (() => boolean)[] = [];
  private readonly detach: (() => void)[] = [];

  private readonly counts: (job: Job) => boolean;
  private readonly keepLatency: (job: Job) => boolean;

  /** `counts`: which completed jobs count (default all); `keepLatency`: whose latency to keep (default none). */
  constructor(workers: Worker[], options: { counts?: (job: Job) => boolean; keepLatency?: (job: Job) => boolean } = {}) {
    this.counts = options.counts ?? (() => true);
    this.keepLatency = options.keepLatency ?? (() => false);
    for (const worker of workers) {
      const onCompleted = (job: Job) => {
        if (!this.counts(job)) return;
        this.completed += 1;
        if (job.finishedOn && this.keepLatency(job)) {
          this.latencies.push(job.finishedOn - job.timestamp);
          if (job.processedOn) this.pickups.push(job.processedOn - job.timestamp);
        }
        this.wake();
      };
      const onFailed = (job: Job | undefined, error: Error) => {
        this.failed += 1;
        this.firstFailure ??= `${worker.name}/${job?.name ?? '?'} ${job?.id ?? ''}: ${error.message}`;
        this.wake();
      };
      worker.on('completed', onCompleted);
      worker.on('failed', onFailed);
      this.detach.push(() => {
        worker.off('completed', onCompleted);
        worker.off('failed', onFailed);
      });
    }
  }

  reset(): void {
    this.completed = 0;
    this.failed = 0;
    this.firstFailure = undefined;
    this.latencies = [];
    this.pickups = [];
  }

  /** Resolves once `n` jobs completed since the last reset; rejects on a failure or after `timeoutMs`. */
  waitFor(n: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): boolean => {
        if (this.failed > 0) reject(new Error(`a job failed during the measurement: ${this.firstFailure}`));
        else if (this.completed >= n) resolve();
        else return false;
        clearTimeout(timer);
        return true;
      };
      // Checked on each event, but only this cheap comparison: no timer per job.
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`only ${this.completed} of ${n} jobs completed within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }

  close(): void {
    for (const d of this.detach) d();
  }

  private wake(): void {
    if (this.waiters.length > 0) this.waiters = this.waiters.filter((check) => !check());
  }
}
