import type { Queue } from 'bullmq';

/**
 * The dead-letter queue is BullMQ's failed set: a job lands there when it has used all its attempts
 * or failed for good (UnrecoverableError). It is kept there (bounded by `removeOnFail`) until an
 * operator replays it. Counted by `learnloop_jobs_dead_lettered_total` (workers/runtime).
 */

export interface DeadLetter {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  maxAttempts: number;
  enqueuedAt: string;
  failedAt: string | null;
}

export interface DeadLetterPage {
  queue: string;
  total: number;
  /** Newest failure first. */
  items: DeadLetter[];
}

/** A page of the failed set, newest first; payloads are not included (they may hold learner data). */
export async function listDeadLetters(queue: Queue, page: { limit: number; offset: number }): Promise<DeadLetterPage> {
  const [total, jobs] = await Promise.all([
    queue.getFailedCount(),
    queue.getFailed(page.offset, page.offset + page.limit - 1),
  ]);
  return {
    queue: queue.name,
    total,
    items: jobs.filter(Boolean).map((job) => ({
      id: job.id!,
      name: job.name,
      failedReason: (job.failedReason ?? '').slice(0, 2_000),
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      enqueuedAt: new Date(job.timestamp).toISOString(),
      failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    })),
  };
}

const pageSize = 100;

/**
 * Puts failed jobs back in their queue with a fresh attempt budget, oldest first, in pages of 100,
 * and says how many were replayed. Only jobs that had failed when the replay began are taken: a job
 * that fails again while the replay runs stays failed (no endless loop on a poison job).
 */
export async function replayDeadLetters(queue: Queue, options: { limit?: number } = {}): Promise<number> {
  const limit = options.limit ?? 100_000;
  const startedAt = Date.now();
  let replayed = 0;
  while (replayed < limit) {
    const page = (await queue.getJobs(['failed'], 0, Math.min(pageSize, limit - replayed) - 1, true)).filter(Boolean);
    let progressed = false;
    for (const job of page) {
      if ((job.finishedOn ?? 0) > startedAt) return replayed;
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        replayed += 1;
        progressed = true;
      } catch {
        // Moved by someone else meanwhile (Bull Board, another replay): not ours to count.
      }
    }
    // An empty page, or one where nothing could move, ends the replay (never spin on it).
    if (!progressed) return replayed;
  }
  return replayed;
}
