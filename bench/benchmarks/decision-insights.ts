import type { Benchmark } from '../benchmark.js';
import { benchInsights } from '../insights.js';
import { figure } from '../stats.js';

/**
 * Decision traces persisted per second through the decision-insights actor, next to a raw COPY of
 * the same rows. The measurement itself belongs to the insights store's owner (bench/insights.ts,
 * `benchInsights`, also runnable on its own); this module gives it the bench's servers and sizes
 * and turns its per-run numbers into figures. If that file or anything it imports is missing, the
 * import fails and the harness reports this benchmark as skipped, with the missing file.
 */
const benchmark: Benchmark = {
  name: 'decision-insights',
  async run(env) {
    const traces = env.quick ? 4_000 : 10_000;
    const r = await benchInsights({
      redisUrl: env.redisUrl,
      databaseUrl: await env.freshDatabase('insights'),
      prefix: env.freshPrefix('insights'),
      traces,
      runs: env.runs,
      config: { LOG_LEVEL: 'error', ...env.settings },
      log: (m) => env.log(`  ${m}`),
    });
    const copy = { name: 'raw COPY of the same rows', runs: r.copyTracesPerSecond, unit: 'rows/s' };
    return {
      figures: [
        figure(`via queue, record-batch jobs of ${r.tracesPerJob} traces`, r.queueTracesPerSecond, 'traces/s', { baseline: copy, target: { atLeast: 0.5 } }),
        figure('via queue, one record job per trace', r.queueSingleTracesPerSecond, 'traces/s', { baseline: copy }),
        figure('record-batch job p50 (batch wait + INSERT + cache)', r.writeP50Ms, 'ms'),
        figure('record-batch job p99', r.writeP99Ms, 'ms'),
        figure('record job p99 (one trace per job)', r.singleWriteP99Ms, 'ms'),
        figure('enqueue, addBulk (queue paused)', r.enqueueTracesPerSecond, 'traces/s'),
      ],
      notes: [
        `${r.traces} traces per batched run, ${r.singleTraces} per one-per-job run, concurrency ${r.concurrency}, ` +
          `INSERT batches of ≤ ${r.batchMaxRows} rows or ${r.batchMaxWaitMs} ms (mean ${r.meanBatchRows.toFixed(1)} rows); ` +
          `the table is emptied before each measurement (bench/insights.ts)`,
      ],
    };
  },
};

export default benchmark;
