import type { DecisionTrace } from '../../core/contracts/decision-trace.js';
import type { ProcessorContext } from './processor.js';

/**
 * Sends decision traces to the `decision-insights` actor. The job id is derived from the decision
 * id, so a retried job re-sending the same trace adds nothing while the first is still queued, and
 * the store's primary key catches it after that.
 */
export async function sendTraces(ctx: ProcessorContext, traces: DecisionTrace[]): Promise<void> {
  if (traces.length === 0) return;
  await ctx.producer.sendMany(
    'decision-insights',
    'record',
    traces.map((trace) => ({ payload: trace, options: { jobId: `trace-${trace.decisionId}` } })),
  );
}
