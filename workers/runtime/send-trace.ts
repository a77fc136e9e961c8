import { createHash } from 'node:crypto';
import { type DecisionTrace, MAX_TRACES_PER_JOB } from '../../core/contracts/decision-trace.js';
import type { ProcessorContext } from './processor.js';

/**
 * Sends decision traces to the `decision-insights` actor. One trace goes as a `record` job, several
 * as `record-batch` jobs of up to MAX_TRACES_PER_JOB: a queue job costs the same whatever it
 * carries, so a job's traces travel together. Job ids derive from the decision ids, so a retried
 * job re-sending the same traces adds nothing while the first is still queued, and the store's
 * primary key catches them after that.
 */
export async function sendTraces(ctx: Pick<ProcessorContext, 'producer'>, traces: DecisionTrace[]): Promise<void> {
  if (traces.length === 0) return;
  if (traces.length === 1) {
    await ctx.producer.send('decision-insights', 'record', traces[0]!, { jobId: `trace-${traces[0]!.decisionId}` });
    return;
  }
  const chunks: DecisionTrace[][] = [];
  for (let i = 0; i < traces.length; i += MAX_TRACES_PER_JOB) chunks.push(traces.slice(i, i + MAX_TRACES_PER_JOB));
  await ctx.producer.sendMany(
    'decision-insights',
    'record-batch',
    chunks.map((chunk) => ({ payload: { traces: chunk }, options: { jobId: traceBatchJobId(chunk) } })),
  );
}

/** `traces-<hash of the decision ids>`: the same traces re-sent make the same job id. */
export function traceBatchJobId(traces: readonly DecisionTrace[]): string {
  const hash = createHash('sha256');
  for (const t of traces) hash.update(t.decisionId).update('\n');
  return `traces-${hash.digest('hex').slice(0, 40)}`;
}
