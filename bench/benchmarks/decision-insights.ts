import type { Benchmark } from '../benchmark.js';
import { benchInsights, describeInsightsCpu } from '../insights.js';
import { figure } from '../stats.js';

/**
 * Decision traces persisted per second through the decision-insights actor, next to a raw COPY of
 * the same rows, and the floor: the same jobs drained by plain BullMQ with one COPY per job. The
 * measurement itself belongs to the insights store's owner (bench/insights.ts, `benchInsights`,
 * also runnable on its own); this module gives it the bench's servers and sizes and turns its
 * per-run numbers into figures. If that file or anything it imports is missing, the
 * import fails and the harness reports this benchmark as skipped, with the missing file.
 */
const benchmark: Benchmark = {
  name: 'decision-insights',
  async run(env) {
    const traces = env.quick ? 3_000 : 6_000;
    const r = await benchInsights({
      redisUrl: env.redisUrl,
      databaseUrl: await env.freshDatabase('insights'),
      prefix: env.freshPrefix('insights'),
      traces,
      runs: env.runs,
      config: { LOG_LEVEL: 'error', ...env.settings },
      cpu: () => env.cpu.snapshot(),
      log: (m) => env.log(`  ${m}`),
    });
    const copy = { name: 'raw COPY of the same rows', runs: r.copyTracesPerSecond, unit: 'rows/s' };
    // One figure per way of sending traces (bench/insights.ts decides which); the first is the
    // headline the ≥ 0.7 × COPY target applies to.
    const figures = r.queue.flatMap((mode, i) => [
      figure(`via queue, ${mode.tracesPerJob} trace${mode.tracesPerJob === 1 ? '' : 's'} per job`, mode.tracesPerSecond, 'traces/s', {
        baseline: copy,
        ...(i === 0 ? { target: { atLeast: 0.7 } } : {}),
      }),
      figure(`  job p99 (batch wait + INSERT + cache), ${mode.tracesPerJob} per job`, mode.jobP99Ms, 'ms'),
    ]);
    const floor = figure(
      `same jobs, plain BullMQ + one COPY per job, nothing else (floor), ${r.queue[0]!.tracesPerJob} per job`,
      r.floorTracesPerSecond,
      'traces/s',
      { baseline: copy },
    );
    return {
      figures: [...figures.slice(0, 2), floor, ...figures.slice(2), figure('enqueue, addBulk (queue paused)', r.queue[0]!.enqueueTracesPerSecond, 'traces/s')],
      notes: [
        `${r.traces} traces per run, concurrency ${r.concurrency}, INSERT batches of ≤ ${r.batchMaxRows} rows or ${r.batchMaxWaitMs} ms ` +
          `(mean rows per INSERT: ${r.queue.map((m) => `${m.meanBatchRows.toFixed(0)} at ${m.tracesPerJob}/job`).join(', ')}); ` +
          `the table is emptied before each measurement (measured by bench/insights.ts)`,
        `CPU over the timed part (drain / COPY): ${describeInsightsCpu(r)}`,
      ],
    };
  },
};

export default benchmark;
