import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Job } from 'bullmq';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type Config, parseConfig } from '../core/config/config-schema.js';
import type { DecisionTrace } from '../core/contracts/decision-trace.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { ensureDecisionInsightPartitions, monthKey } from '../db/queries/decision-insight-partitions.js';
import { decisionWriteBatchRows } from '../observability/insight-metrics.js';
import { createLogger } from '../observability/logger.js';
import { Producer } from '../pipelines/producer.js';
import { createRedisConnection, waitForRedis } from '../pipelines/redis-connection.js';
import { recordBatchProcessor } from '../workers/processors/decision-insights/record-batch.js';
import { recordProcessor } from '../workers/processors/decision-insights/record.js';
import type { WorkerServices } from '../workers/runtime/processor.js';
import { startWorkers } from '../workers/runtime/run-workers.js';
import { traceBatchJobId } from '../workers/runtime/send-trace.js';

/**
 * Decision-insight write throughput: traces persisted per second through the queue (producer
 * addBulk → BullMQ → the processors' micro-batched INSERT … ON CONFLICT DO NOTHING → cache warm)
 * next to a raw COPY (pg-copy-streams) of the same rows into the same table, in the same run. All
 * paths write into the same partitioned table (partitions prepared beforehand), emptied first.
 *
 * Two queue figures: `record-batch` jobs of `tracesPerJob` traces (how workers/runtime/send-trace.ts
 * sends a producing job's traces; target ≥ 0.5 × COPY), and one `record` job per trace (BullMQ's
 * fixed cost per job bounds that one, micro-batching or not; reported for comparison).
 *
 * The queue paths run the real worker runtime (workers/runtime/run-workers.ts) with the real
 * processors and configuration defaults, but only the decision-insights queue (not app/system.ts),
 * so the figures do not depend on the other actors. Jobs are added with the queue paused, so the
 * timing is the workers draining a backlog (the enqueue rate is reported on its own).
 */
export interface InsightsBenchEnv {
  redisUrl: string;
  /** A database this bench may migrate and empty (give it a fresh one). */
  databaseUrl: string;
  /** Traces per measured run (default 50 000). */
  traces?: number;
  /** Traces per queue job on the batched path, as sendTraces sends one producing job's traces (default 20). */
  tracesPerJob?: number;
  /** Traces per run on the one-job-per-trace path (default: min(traces, 20 000); it is the slow one). */
  singleTraces?: number;
  /** Measured runs of each path (default 3); figures are per run. */
  runs?: number;
  /** Queue prefix (default: a fresh one). */
  prefix?: string;
  /** Environment overrides for the worker configuration (e.g. CONCURRENCY_DECISION_INSIGHTS). */
  config?: Record<string, string>;
  log?: (message: string) => void;
}

export interface InsightsBenchResult {
  traces: number;
  runs: number;
  concurrency: number;
  batchMaxRows: number;
  batchMaxWaitMs: number;
  tracesPerJob: number;
  singleTraces: number;
  /** Per run: traces persisted per second through the queue, `record-batch` jobs of tracesPerJob (resume → last job completed). */
  queueTracesPerSecond: number[];
  /** Per run: the same with one `record` job per trace (micro-batched in the worker). */
  queueSingleTracesPerSecond: number[];
  /** Per run: traces per second by one raw COPY of the same rows. */
  copyTracesPerSecond: number[];
  /** median(queue) / median(copy). */
  ratio: number;
  /** median(queue, one job per trace) / median(copy). */
  singleRatio: number;
  /** Per run: p99 of a `record-batch` job's processing time (batch wait + INSERT + cache warm), ms. */
  writeP99Ms: number[];
  /** Per run: p50 of the same, ms. */
  writeP50Ms: number[];
  /** Per run: p99 of a single-trace `record` job's processing time, ms. */
  singleWriteP99Ms: number[];
  /** Per run: producer addBulk rate (queue paused), traces/s. */
  enqueueTracesPerSecond: number[];
  /** Mean traces per INSERT batch over all queue runs. */
  meanBatchRows: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};

/** Traces shaped like the adaptive engine's (a session-item decision), spread over the last 20 days. */
function makeTraces(count: number, tag: string, now: Date): DecisionTrace[] {
  const traces = new Array<DecisionTrace>(count);
  for (let i = 0; i < count; i++) {
    const created = new Date(now.getTime() - (i % 20) * 86_400_000 - (i % 86_400) * 1000);
    traces[i] = {
      decisionId: `bench-${tag}-${i}`,
      kind: 'session-item',
      userId: `learner-${i % 5_000}`,
      sessionId: `session-${tag}-${Math.floor(i / 10)}`,
      createdAt: created.toISOString(),
      inputs: { skill: 0.42 + (i % 100) / 1000, trend: 0.1, slot: 'difficulty-curve', position: i % 10, candidates: 37 },
      outputs: { questionId: `q_${(i * 7919) % 100_000}`, targetDifficulty: 0.55, predictedSuccess: 0.78, reason: 'peak of the flow curve' },
      modelVersion: 'elo-pelanek-2016/v1',
    };
  }
  return traces;
}

/** One COPY text-format field: backslash, tab, newline and carriage return escaped; null is \N. */
function copyField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function* copyLines(traces: DecisionTrace[], chunk = 1_000): Generator<string> {
  for (let from = 0; from < traces.length; from += chunk) {
    let text = '';
    for (const t of traces.slice(from, from + chunk)) {
      text += `${[t.decisionId, t.kind, t.userId, t.sessionId, t.createdAt, JSON.stringify(t.inputs), JSON.stringify(t.outputs), t.modelVersion]
        .map(copyField)
        .join('\t')}\n`;
    }
    yield text;
  }
}

export async function benchInsights(env: InsightsBenchEnv): Promise<InsightsBenchResult> {
  const count = env.traces ?? 50_000;
  const perJob = env.tracesPerJob ?? 20;
  const singleCount = env.singleTraces ?? Math.min(count, 20_000);
  const runs = env.runs ?? 3;
  const log = env.log ?? (() => {});
  const config: Config = parseConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: env.prefix ?? `bench-insights-${process.pid}-${Date.now()}`,
    SCHEDULERS_ENABLED: 'false',
    ...env.config,
  });
  const logger = createLogger(config.LOG_LEVEL, { role: 'bench-insights' });
  const db = createDatabase({ url: env.databaseUrl, poolSize: config.PG_POOL_SIZE });
  const producerConnection = createRedisConnection(env.redisUrl, 'producer');
  const workerConnection = createRedisConnection(env.redisUrl, 'worker');
  const copyClient = new pg.Client({ connectionString: env.databaseUrl });
  const producer = new Producer(producerConnection, config.QUEUE_PREFIX);
  let group: ReturnType<typeof startWorkers> | undefined;
  try {
    await migrateToLatest(db);
    await Promise.all([waitForRedis(producerConnection), waitForRedis(workerConnection), copyClient.connect()]);
    const now = new Date();
    const services: WorkerServices = {
      config,
      db,
      producer,
      redis: workerConnection,
      get bloom(): never {
        throw new Error('the insights bench scores no questions');
      },
      now: () => now,
    };
    group = startWorkers({
      queues: ['decision-insights'],
      processors: [recordProcessor, recordBatchProcessor],
      connection: workerConnection,
      prefix: config.QUEUE_PREFIX,
      concurrency: () => config.CONCURRENCY_DECISION_INSIGHTS,
      services,
      logger,
    });
    const queue = producer.queue('decision-insights');
    // Both paths find the same partitions in place.
    await ensureDecisionInsightPartitions(db, [monthKey(new Date(now.getTime() - 20 * 86_400_000)), monthKey(now)]);

    let processingMs: number[] = [];
    let completed = 0;
    let failure: string | undefined;
    let wake = () => {};
    for (const worker of group.workers) {
      worker.on('completed', (job: Job) => {
        completed++;
        if (job.finishedOn && job.processedOn) processingMs.push(job.finishedOn - job.processedOn);
        wake();
      });
      worker.on('failed', (job, error) => {
        failure ??= `${job?.id}: ${error.message}`;
        wake();
      });
    }
    const waitForCompleted = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${completed} of ${n} traces stored within 240 s`)), 240_000);
        wake = () => {
          if (failure) reject(new Error(`a record job failed: ${failure}`));
          else if (completed >= n) resolve();
          else return;
          clearTimeout(timer);
        };
        wake();
      });
    const emptyTable = async () => {
      await sql`TRUNCATE decision_insights`.execute(db);
      await sql`VACUUM ANALYZE decision_insights`.execute(db);
    };
    const storedRows = async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM decision_insights`.execute(db)).rows[0]!.n);

    const result: InsightsBenchResult = {
      traces: count,
      runs,
      concurrency: config.CONCURRENCY_DECISION_INSIGHTS,
      batchMaxRows: config.INSIGHT_BATCH_MAX_ROWS,
      batchMaxWaitMs: config.INSIGHT_BATCH_MAX_WAIT_MS,
      tracesPerJob: perJob,
      singleTraces: singleCount,
      queueTracesPerSecond: [],
      queueSingleTracesPerSecond: [],
      copyTracesPerSecond: [],
      ratio: Number.NaN,
      singleRatio: Number.NaN,
      writeP99Ms: [],
      writeP50Ms: [],
      singleWriteP99Ms: [],
      enqueueTracesPerSecond: [],
      meanBatchRows: Number.NaN,
    };
    const batchesBefore = (await decisionWriteBatchRows.get()).values;
    const sumOf = (values: typeof batchesBefore, name: string) => values.find((v) => v.metricName === name)?.value ?? 0;

    /** Empties the table, enqueues `traces` (queue paused), then times the workers storing them all. */
    const throughQueue = async (traces: DecisionTrace[], tracesPerJob: number) => {
      await emptyTable();
      await queue.pause();
      const addStart = performance.now();
      let jobs = 0;
      for (let from = 0; from < traces.length; from += 1_000) {
        const chunk = traces.slice(from, from + 1_000);
        if (tracesPerJob === 1) {
          jobs += (await producer.sendMany('decision-insights', 'record', chunk.map((t) => ({ payload: t, options: { jobId: `trace-${t.decisionId}` } })))).length;
        } else {
          const groups: DecisionTrace[][] = [];
          for (let i = 0; i < chunk.length; i += tracesPerJob) groups.push(chunk.slice(i, i + tracesPerJob));
          jobs += (await producer.sendMany('decision-insights', 'record-batch', groups.map((g) => ({ payload: { traces: g }, options: { jobId: traceBatchJobId(g) } })))).length;
        }
      }
      const addSeconds = (performance.now() - addStart) / 1000;
      completed = 0;
      processingMs = [];
      const start = performance.now();
      await queue.resume();
      await waitForCompleted(jobs);
      const seconds = (performance.now() - start) / 1000;
      const stored = await storedRows();
      if (stored !== traces.length) throw new Error(`queue path stored ${stored} rows, expected ${traces.length}`);
      return { perSecond: traces.length / seconds, addPerSecond: traces.length / addSeconds, p99: percentile(processingMs, 99), p50: percentile(processingMs, 50) };
    };
    /** Empties the table and times one COPY of `traces` into it. */
    const throughCopy = async (traces: DecisionTrace[]) => {
      await emptyTable();
      const copyStart = performance.now();
      await pipeline(
        Readable.from(copyLines(traces)),
        copyClient.query(copyFrom('COPY decision_insights (decision_id, kind, user_id, session_id, created_at, inputs, outputs, model_version) FROM STDIN')),
      );
      const seconds = (performance.now() - copyStart) / 1000;
      const stored = await storedRows();
      if (stored !== traces.length) throw new Error(`COPY stored ${stored} rows, expected ${traces.length}`);
      return traces.length / seconds;
    };

    // A warm-up round (JIT, connections, plan caches), then the measured runs; the three paths
    // take turns within each run, so load from elsewhere on the machine hits them alike.
    for (let run = -1; run < runs; run++) {
      const warm = run < 0;
      const traces = makeTraces(warm ? Math.min(5_000, count) : count, `r${run + 1}`, now);
      const batched = await throughQueue(traces, perJob);
      const copy = await throughCopy(traces);
      const single = await throughQueue(makeTraces(warm ? Math.min(2_000, singleCount) : singleCount, `s${run + 1}`, now), 1);
      if (warm) continue;
      result.queueTracesPerSecond.push(batched.perSecond);
      result.copyTracesPerSecond.push(copy);
      result.queueSingleTracesPerSecond.push(single.perSecond);
      result.enqueueTracesPerSecond.push(batched.addPerSecond);
      result.writeP99Ms.push(batched.p99);
      result.writeP50Ms.push(batched.p50);
      result.singleWriteP99Ms.push(single.p99);
      log(
        `insights run ${run + 1}/${runs}: queue ${Math.round(batched.perSecond)} traces/s (${perJob}/job), ` +
          `${Math.round(single.perSecond)} traces/s (1/job), COPY ${Math.round(copy)} rows/s; job p99 ${batched.p99} ms / ${single.p99} ms`,
      );
    }
    const batchesAfter = (await decisionWriteBatchRows.get()).values;
    const rows = sumOf(batchesAfter, 'learnloop_decision_write_batch_rows_sum') - sumOf(batchesBefore, 'learnloop_decision_write_batch_rows_sum');
    const batches = sumOf(batchesAfter, 'learnloop_decision_write_batch_rows_count') - sumOf(batchesBefore, 'learnloop_decision_write_batch_rows_count');
    result.meanBatchRows = batches > 0 ? rows / batches : Number.NaN;
    result.ratio = median(result.queueTracesPerSecond) / median(result.copyTracesPerSecond);
    result.singleRatio = median(result.queueSingleTracesPerSecond) / median(result.copyTracesPerSecond);
    await queue.obliterate({ force: true }).catch(() => {});
    return result;
  } finally {
    await group?.close(5_000);
    await producer.close();
    await copyClient.end().catch(() => {});
    await Promise.allSettled([producerConnection.quit(), workerConnection.quit()]);
    await db.destroy();
  }
}

/** `npx tsx bench/insights.ts [traces] [runs]`: starts its own Redis and PostgreSQL, prints the figures. */
async function standalone(): Promise<void> {
  const { startBenchInfrastructure } = await import('./bench-infrastructure.js');
  const scratch = mkdtempSync(join(tmpdir(), 'learnloop-bench-insights-'));
  chmodSync(scratch, 0o711); // PostgreSQL runs as `postgres` when we are root
  const infra = await startBenchInfrastructure(scratch);
  try {
    const traces = Number(process.argv[2] ?? 50_000);
    const runs = Number(process.argv[3] ?? 3);
    const result = await benchInsights({
      redisUrl: infra.redisUrl,
      databaseUrl: await infra.createDatabase('bench_insights'),
      traces,
      runs,
      log: (m) => process.stderr.write(`[bench] ${m}\n`),
    });
    const round = (xs: number[]) => xs.map((x) => Math.round(x));
    console.log(
      JSON.stringify(
        {
          ...result,
          queueTracesPerSecond: round(result.queueTracesPerSecond),
          queueSingleTracesPerSecond: round(result.queueSingleTracesPerSecond),
          copyTracesPerSecond: round(result.copyTracesPerSecond),
          enqueueTracesPerSecond: round(result.enqueueTracesPerSecond),
        },
        null,
        2,
      ),
    );
    console.log(
      `queue ${Math.round(median(result.queueTracesPerSecond))} traces/s (${result.tracesPerJob} per job) vs COPY ` +
        `${Math.round(median(result.copyTracesPerSecond))} rows/s: ratio ${result.ratio.toFixed(2)} (target ≥ 0.5); ` +
        `one job per trace ${Math.round(median(result.queueSingleTracesPerSecond))} traces/s, ratio ${result.singleRatio.toFixed(2)}; ` +
        `job p99 ${median(result.writeP99Ms)} ms (batched), ${median(result.singleWriteP99Ms)} ms (single)`,
    );
  } finally {
    await infra.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  standalone().then(
    () => process.exit(0),
    (error) => {
      console.error('insights bench failed:', error);
      process.exit(1);
    },
  );
}
