import { type ImportBatchResult, validateChunkResultSchema } from '../../../core/contracts/question-contracts.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * question-validation/import-batch: the flow parent of a bulk import. It runs once every chunk has
 * finished (or failed for good) and adds their results up; questions of a chunk that failed for good
 * count as errors, so stored + errors always equals the request's total.
 */
export const importBatchProcessor = defineProcessor('question-validation', 'import-batch', async (payload, ctx) => {
  const { values, failures } = await ctx.childOutcomes();
  const chunks = values.map((v) => validateChunkResultSchema.parse(v));
  const summary: ImportBatchResult = {
    importId: payload.importId,
    total: payload.total,
    stored: 0,
    scored: 0,
    alreadyStored: 0,
    byLevel: {},
    passed: 0,
    failed: 0,
    errors: payload.rejected.length,
    errorSamples: payload.rejected.slice(0, 100),
  };
  for (const chunk of chunks) {
    summary.scored += chunk.scored;
    summary.alreadyStored += chunk.alreadyStored;
    summary.passed += chunk.passed;
    summary.failed += chunk.failed;
    summary.errors += chunk.errors.length;
    for (const [level, n] of Object.entries(chunk.byLevel)) summary.byLevel[level] = (summary.byLevel[level] ?? 0) + n;
    for (const e of chunk.errors) if (summary.errorSamples.length < 100) summary.errorSamples.push(e);
  }
  summary.stored = summary.scored + summary.alreadyStored;
  // Whatever is neither stored nor reported is in a chunk that failed for good.
  const unaccounted = payload.total - summary.stored - summary.errors;
  if (unaccounted > 0) {
    summary.errors += unaccounted;
    if (summary.errorSamples.length < 100) {
      summary.errorSamples.push({ message: `${failures.length} chunk(s) failed for good: ${failures[0] ?? ''}`.slice(0, 500) });
    }
  }
  await ctx.reportProgress({ chunksDone: payload.chunks, chunks: payload.chunks, percent: 100 });
  return summary;
});
