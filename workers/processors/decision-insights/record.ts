import { defineProcessor } from '../../runtime/processor.js';
import { traceWriterFor } from './trace-writer.js';

/**
 * decision-insights/record: stores one decision trace, batched with the traces of the other
 * `record` jobs running in this worker (see TraceWriter). Idempotent by (decisionId, createdAt):
 * `stored` is 1 when this job wrote the trace, 0 when it had been stored already.
 */
export const recordProcessor = defineProcessor('decision-insights', 'record', async (trace, ctx) => {
  const stored = await traceWriterFor(ctx.services).write(trace, ctx.log);
  return { stored: stored ? 1 : 0 };
});
