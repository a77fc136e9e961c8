import { defineProcessor } from '../../runtime/processor.js';
import { traceWriterFor } from './trace-writer.js';

/**
 * decision-insights/record-batch: stores the traces one producing job sent together, through the
 * same micro-batched writer as `record`. `stored` counts the traces this job wrote.
 */
export const recordBatchProcessor = defineProcessor('decision-insights', 'record-batch', async ({ traces }, ctx) => {
  return { stored: await traceWriterFor(ctx.services).writeMany(traces, ctx.log) };
});
