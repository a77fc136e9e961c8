import { Job, type Queue } from 'bullmq';

/** Polls until the job is completed or failed; its end state, result and failure reason. */
export async function finishedJob(queue: Queue, jobId: string, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // State first, then the job: read the other way round, a job that finishes in between would
    // show "completed" without its result.
    const state = await queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') {
      const job = (await Job.fromId(queue, jobId))!;
      return { state, result: job.returnvalue as any, failedReason: job.failedReason };
    }
    if (Date.now() > deadline) throw new Error(`job ${queue.name}/${jobId} did not finish in ${timeoutMs} ms (state ${state})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
