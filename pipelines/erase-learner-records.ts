import type { Job, Queue } from 'bullmq';
import type { RedisClient } from './redis-connection.js';

/** Job states whose records stay in Redis after a job ran (or before it runs). Active jobs are locked. */
const removableStates = ['completed', 'failed', 'waiting', 'delayed', 'prioritized', 'waiting-children'] as const;
const page = 500;

/**
 * Erasure in Redis: removes every job record that names the learner (in its id, data, result or
 * failure reason) and every entry of the queues' event streams that does (a `completed` event
 * carries the job's result: a learner's skill and level, an export's path). Job records of
 * results, sessions, plans, traces and exports are what erasure used to leave behind.
 *
 * `keep` spares jobs the caller still needs (the running erase job: its record is the controller's
 * own bookkeeping and goes with the hard delete). Matching is on the id as text, plain and
 * JSON-escaped, which is what an id looks like inside a job hash or an event field.
 *
 * DANGEROUS SPOT: reads every kept job of every queue (BullMQ keeps up to 5 000 completed per
 * queue); fine for an erasure job, not for a request path.
 */
export async function eraseLearnerFromQueues(
  queues: readonly Queue[],
  redis: RedisClient,
  userId: string,
  options: { keep?: (queue: string, jobId: string) => boolean } = {},
): Promise<{ jobs: number; events: number }> {
  const escaped = JSON.stringify(userId).slice(1, -1);
  const mentions = (text: string | undefined | null) => !!text && (text.includes(userId) || text.includes(escaped));
  const names = (job: Job) =>
    mentions(job.id) || mentions(JSON.stringify(job.data ?? null)) || mentions(JSON.stringify(job.returnvalue ?? null)) || mentions(job.failedReason);
  let jobs = 0;
  let events = 0;
  for (const queue of queues) {
    const doomed: Job[] = [];
    for (const state of removableStates) {
      for (let start = 0; ; start += page) {
        const batch = await queue.getJobs([state], start, start + page - 1, true);
        for (const job of batch) if (job && names(job) && !options.keep?.(queue.name, job.id!)) doomed.push(job);
        if (batch.length < page) break;
      }
    }
    for (const job of doomed) {
      // A job that became active meanwhile is locked and stays; the hard delete tries again.
      if (await job.remove().then(() => true, () => false)) jobs += 1;
    }
    events += await eraseFromEventStream(redis, queue.keys.events!, mentions, (jobId) => !!options.keep?.(queue.name, jobId));
  }
  return { jobs, events };
}

/** XDELs the entries of one event stream whose fields mention the learner. */
async function eraseFromEventStream(redis: RedisClient, key: string, mentions: (text: string) => boolean, keep: (jobId: string) => boolean): Promise<number> {
  let removed = 0;
  let from = '-';
  for (;;) {
    const entries = (await redis.xrange(key, from, '+', 'COUNT', 1_000)) as [string, string[]][];
    const doomed = entries
      .filter(([, fields]) => {
        const jobId = fields[fields.indexOf('jobId') + 1];
        return fields.some(mentions) && !(jobId !== undefined && fields.includes('jobId') && keep(jobId));
      })
      .map(([id]) => id);
    if (doomed.length) removed += await redis.xdel(key, ...doomed);
    if (entries.length < 1_000) return removed;
    from = `(${entries[entries.length - 1]![0]}`;
  }
}
