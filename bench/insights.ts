import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Job } from 'bullmq';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type Config, parseConfig } from '../core/config/config-schema.js';
import { type DecisionTrace, MAX_TRACES_PER_JOB } from '../core/contracts/decision-trace.js';
import { createDatabase, poolOf } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { ensureDecisionInsightPartitions, monthKey } from '../db/queries/decision-insight-partitions.js';
import { DECISION_INSIGHT_COPY_COLUMNS, decisionInsightCopyRows } from '../db/queries/decision-insights.js';
import { decisionWriteBatchRows, decisionWriteSeconds } from '../observability/insight-metrics.js';
import { createLogger } from '../observability/logger.js';
import { Producer } from '../pipelines/producer.js';
import { createRedisConnection, waitForRedis } from '../pipelines/redis-connection.js';
import { recordBatchProcessor } from '../workers/processors/decision-insights/record-batch.js';
import { recordProcessor } from '../workers/processors/decision-insights/record.js';
import type { WorkerServices } from '../workers/runtime/processor.js';
import { ReadThroughCache } from '../db/cache/read-through-cache.js';
import { startWorkers } from '../workers/runtime/run-workers.js';
import { traceBatchJobId } from '../workers/runtime/send-trace.js';
import { CpuMeter, type CpuSnapshot, addCpu, cpuDelta, zeroCpu } from './support/cpu-meter.js';
import { NoopQueue } from './support/noop-queue.js';

/**
 * Decision-insight write throughput: traces persisted per second through the queue (producer
 * addBulk → BullMQ → the `record`/`record-batch` processors' micro-batched INSERT … ON CONFLICT DO
 * NOTHING → cache warm) next to a raw COPY (pg-copy-streams) of the same rows into the same
 * table, in the same run. Every path writes into the same partitioned table (its partitions made
 * beforehand), emptied before each measurement, and the paths take turns within each run, so load
 * from elsewhere on the machine hits them alike.
 *
 * Queue paths (`queueModes`), by traces per queue job:
 * - MAX_TRACES_PER_JOB (500): a bulk of traces sent with sendTraces (workers/runtime/send-trace.ts
 *   chunks them so) — the figure held against the target, ≥ 0.7 × COPY;
 * - 20: one producing job's decisions (a session's items) sent together;
 * - 1: a `record` job per trace, micro-batched in the worker only.
 *
 * And a floor for the first mode: the same jobs drained by plain BullMQ whose processor only
 * encodes its job's traces as COPY rows and COPYs them (no payload check, no batching across jobs,
 * no erasure check, cache or metrics; bench/support/noop-queue.ts): what the queue plus COPY cost
 * on this machine before any of the actor's own work.
 *
 * The workers are the real runtime (workers/runtime/run-workers.ts) with the real processors and
 * configuration defaults, but only the decision-insights queue (not app/system.ts), so the figures
 * do not depend on the other actors. Jobs are added with the queue paused: the timing is the
 * workers draining the backlog (resume → last job completed = last trace committed), and the
 * enqueue rate is reported on its own.
 */
export interface InsightsBenchEnv {
  redisUrl: string;
  /** A database this bench may migrate and empty (give it a fresh one). */
  databaseUrl: string;
  /** Traces per measured run of COPY and of each queue mode (default 30 000). */
  traces?: number;
  /** Traces per run for the one-job-per-trace mode, the slow one (default min(traces, 5 000)). */
  singleTraces?: number;
  /** Traces per queue job, one mode each; the first is the headline (default [500, 20, 1]). */
  queueModes?: number[];
  /** Measured runs (default 3); every figure is given per run. */
  runs?: number;
  /** Queue prefix (default: a fresh one). */
  prefix?: string;
  /** Environment overrides for the worker configuration (e.g. CONCURRENCY_DECISION_INSIGHTS). */
  config?: Record<string, string>;
  /**
   * CPU time of this process, PostgreSQL and Redis (the bench's CpuMeter): when given, every path
   * reports its CPU per trace over the timed part (the drain, the COPY).
   */
  cpu?: () => CpuSnapshot;
  log?: (message: string) => void;
}

export interface QueueModeResult {
  tracesPerJob: number;
  /** Traces per run in this mode. */
  traces: number;
  /** Per run: traces persisted per second through the queue. */
  tracesPerSecond: number[];
  /** median(tracesPerSecond) / median(COPY). */
  ratio: number;
  /** Per run: p99 / p50 of a job's processing time (its traces' batch wait + INSERT + cache warm), ms. */
  jobP99Ms: number[];
  jobP50Ms: number[];
  /**
   * Per run: p99 of one trace's write (entering the write batch → commit), ms, read from the
   * learnloop_decision_write_seconds histogram: the upper bound of the bucket holding the p99.
   */
  traceWriteP99Ms: number[];
  /** Per run: producer addBulk rate (queue paused), traces/s. */
  enqueueTracesPerSecond: number[];
  /** Mean traces per INSERT over this mode's measured runs. */
  meanBatchRows: number;
  /** CPU over the measured drains (sum of runs), when `cpu` was given; divide by runs × traces. */
  cpu: CpuSnapshot;
}

export interface InsightsBenchResult {
  traces: number;
  runs: number;
  concurrency: number;
  batchMaxRows: number;
  batchMaxWaitMs: number;
  /** Per run: rows per second by one raw COPY of the same traces. */
  copyTracesPerSecond: number[];
  /** CPU over the measured COPYs (sum of runs), when `cpu` was given. */
  copyCpu: CpuSnapshot;
  queue: QueueModeResult[];
  /**
   * Per run: traces per second through the floor (plain BullMQ, each job's traces COPYed by its
   * processor, nothing else) in jobs of queue[0].tracesPerJob; and its CPU (sum of runs).
   */
  floorTracesPerSecond: number[];
  floorCpu: CpuSnapshot;
  /** The headline: queue[0].ratio. */
  ratio: number;
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const percentile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};

/**
 * Traces shaped like the adaptive engine's (a session-item decision), spread over the last 20 days;
 * sessions of 10 decisions, each session one learner's (as a producing job's traces are).
 */
function makeTraces(count: number, tag: string, now: Date): DecisionTrace[] {
  const traces = new Array<DecisionTrace>(count);
  for (let i = 0; i < count; i++) {
    const created = new Date(now.getTime() - (i % 20) * 86_400_000 - (i % 86_400) * 1000);
    traces[i] = {
      decisionId: `bench-${tag}-${i}`,
      kind: 'session-item',
      userId: `learner-${Math.floor(i / 10) % 5_000}`,
      sessionId: `session-${tag}-${Math.floor(i / 10)}`,
      createdAt: created.toISOString(),
      inputs: { skill: 0.42 + (i % 100) / 1000, trend: 0.1, slot: 'difficulty-curve', position: i % 10, candidates: 37 },
      outputs: { questionId: `q_${(i * 7919) % 100_000}`, targetDifficulty: 0.55, predictedSuccess: 0.78, reason: 'peak of the flow curve' },
      modelVersion: 'elo-pelanek-2016/v1',
    };
  }
  return traces;
}

/** The rows as the writer's COPY path encodes them (db/queries/decision-insights.ts), 1 000 at a time. */
function* copyLines(traces: DecisionTrace[], chunk = 1_000): Generator<string> {
  for (let from = 0; from < traces.length; from += chunk) yield decisionInsightCopyRows(traces.slice(from, from + chunk))!;
}

/** Cumulative bucket counts (by upper bound, seconds) of a prom-client histogram. */
async function histogramBuckets(h: { get(): Promise<{ values: { metricName?: string; labels: Record<string, unknown>; value: number }[] }> }) {
  const { values } = await h.get();
  const buckets = new Map<number, number>();
  for (const v of values) {
    if (!v.metricName?.endsWith('_bucket') || v.labels.outcome !== 'stored') continue;
    const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + v.value);
  }
  return buckets;
}

/** The bucket bound (ms) under which 99% of the observations between two snapshots fall. */
function p99FromBuckets(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return Number.NaN;
  const bound = bounds.find((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0) >= 0.99 * total);
  return bound === undefined ? Number.NaN : bound * 1000;
}

/** sum and count of a prom-client histogram, for differences before/after a measurement. */
async function histogramTotals(h: { get(): Promise<{ values: { metricName?: string; value: number }[] }> }) {
  const { values } = await h.get();
  const pick = (suffix: string) => values.filter((v) => v.metricName?.endsWith(suffix)).reduce((a, v) => a + v.value, 0);
  return { sum: pick('_sum'), count: pick('_count') };
}

export async function benchInsights(env: InsightsBenchEnv): Promise<InsightsBenchResult> {
  const count = env.traces ?? 30_000;
  const singleCount = env.singleTraces ?? Math.min(count, 5_000);
  const modes = env.queueModes ?? [MAX_TRACES_PER_JOB, 20, 1];
  const runs = env.runs ?? 3;
  const log = env.log ?? (() => {});
  const cpuNow = env.cpu ?? zeroCpu;
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
  let floorQueue: NoopQueue | undefined;
  try {
    await migrateToLatest(db);
    await Promise.all([waitForRedis(producerConnection), waitForRedis(workerConnection), copyClient.connect()]);
    const now = new Date();
    const services: WorkerServices = {
      config,
      db,
      producer,
      redis: workerConnection,
      cache: new ReadThroughCache({ redis: producerConnection, prefix: config.QUEUE_PREFIX }),
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
    // Every path finds the same partitions in place.
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
        const timer = setTimeout(() => reject(new Error(`only ${completed} of ${n} jobs completed within 240 s`)), 240_000);
        wake = () => {
          if (failure) reject(new Error(`a decision-insights job failed: ${failure}`));
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

    /** Empties the table, enqueues `traces` in jobs of `perJob` (queue paused), then times the drain. */
    const throughQueue = async (traces: DecisionTrace[], perJob: number) => {
      await emptyTable();
      await queue.pause();
      const addStart = performance.now();
      let jobs = 0;
      for (let from = 0; from < traces.length; from += 1_000) {
        const chunk = traces.slice(from, from + 1_000);
        if (perJob === 1) {
          jobs += (await producer.sendMany('decision-insights', 'record', chunk.map((t) => ({ payload: t, options: { jobId: `trace-${t.decisionId}` } })))).length;
        } else {
          const groups: DecisionTrace[][] = [];
          for (let i = 0; i < chunk.length; i += perJob) groups.push(chunk.slice(i, i + perJob));
          jobs += (await producer.sendMany('decision-insights', 'record-batch', groups.map((g) => ({ payload: { traces: g }, options: { jobId: traceBatchJobId(g) } })))).length;
        }
      }
      const addSeconds = (performance.now() - addStart) / 1000;
      completed = 0;
      processingMs = [];
      const writesBefore = await histogramTotals(decisionWriteBatchRows);
      const latencyBefore = await histogramBuckets(decisionWriteSeconds);
      const cpuStart = cpuNow();
      const start = performance.now();
      await queue.resume();
      await waitForCompleted(jobs);
      const seconds = (performance.now() - start) / 1000;
      const cpu = cpuDelta(cpuStart, cpuNow());
      const writesAfter = await histogramTotals(decisionWriteBatchRows);
      const traceP99 = p99FromBuckets(latencyBefore, await histogramBuckets(decisionWriteSeconds));
      const stored = await storedRows();
      if (stored !== traces.length) throw new Error(`queue path stored ${stored} rows, expected ${traces.length}`);
      return {
        perSecond: traces.length / seconds,
        addPerSecond: traces.length / addSeconds,
        jobP99: percentile(processingMs, 99),
        jobP50: percentile(processingMs, 50),
        traceP99,
        batches: writesAfter.count - writesBefore.count,
        rows: writesAfter.sum - writesBefore.sum,
        cpu,
      };
    };
    const copyInto = async (client: pg.ClientBase, rows: Iterable<string>) =>
      pipeline(Readable.from(rows), client.query(copyFrom(`COPY decision_insights (${DECISION_INSIGHT_COPY_COLUMNS}) FROM STDIN`)));
    floorQueue = new NoopQueue(env.redisUrl, `${config.QUEUE_PREFIX}-floor`, 'decision-insights-floor', config.CONCURRENCY_DECISION_INSIGHTS, async (data) => {
      const client = await poolOf(db).connect();
      try {
        await copyInto(client, [decisionInsightCopyRows((data as { traces: DecisionTrace[] }).traces)!]);
      } finally {
        client.release();
      }
    });
    /** Empties the table, then times the floor draining `traces` in jobs of `perJob`. */
    const throughFloor = async (traces: DecisionTrace[], perJob: number) => {
      await emptyTable();
      const jobs = Math.ceil(traces.length / perJob);
      const t = await floorQueue!.drain(jobs, 'record-batch', (i) => ({ traces: traces.slice(i * perJob, (i + 1) * perJob) }), { snapshot: cpuNow });
      const stored = await storedRows();
      if (stored !== traces.length) throw new Error(`the floor stored ${stored} rows, expected ${traces.length}`);
      return { perSecond: (t.processPerSecond * traces.length) / jobs, cpu: t.cpu! };
    };
    /** Empties the table and times one COPY of `traces` into it. */
    const throughCopy = async (traces: DecisionTrace[]) => {
      await emptyTable();
      const cpuStart = cpuNow();
      const start = performance.now();
      await copyInto(copyClient, copyLines(traces));
      const seconds = (performance.now() - start) / 1000;
      const cpu = cpuDelta(cpuStart, cpuNow());
      const stored = await storedRows();
      if (stored !== traces.length) throw new Error(`COPY stored ${stored} rows, expected ${traces.length}`);
      return { perSecond: traces.length / seconds, cpu };
    };

    const result: InsightsBenchResult = {
      traces: count,
      runs,
      concurrency: config.CONCURRENCY_DECISION_INSIGHTS,
      batchMaxRows: config.INSIGHT_BATCH_MAX_ROWS,
      batchMaxWaitMs: config.INSIGHT_BATCH_MAX_WAIT_MS,
      copyTracesPerSecond: [],
      copyCpu: zeroCpu(),
      floorTracesPerSecond: [],
      floorCpu: zeroCpu(),
      queue: modes.map((perJob) => ({
        tracesPerJob: perJob,
        traces: perJob === 1 ? singleCount : count,
        tracesPerSecond: [],
        ratio: Number.NaN,
        jobP99Ms: [],
        jobP50Ms: [],
        traceWriteP99Ms: [],
        enqueueTracesPerSecond: [],
        meanBatchRows: Number.NaN,
        cpu: zeroCpu(),
      })),
      ratio: Number.NaN,
    };
    const batchTotals = modes.map(() => ({ batches: 0, rows: 0 }));

    // A warm-up round (JIT, connections, plan caches), then the measured runs.
    for (let run = -1; run < runs; run++) {
      const warm = run < 0;
      const size = (n: number) => (warm ? Math.min(n, 2_000) : n);
      const traces = makeTraces(size(count), `r${run + 1}`, now);
      const copy = await throughCopy(traces);
      const floor = await throughFloor(traces, modes[0]!);
      const line: string[] = [];
      for (const [i, mode] of result.queue.entries()) {
        const own = mode.tracesPerJob === 1 ? makeTraces(size(singleCount), `r${run + 1}-single`, now) : traces;
        const t = await throughQueue(own, mode.tracesPerJob);
        if (warm) continue;
        mode.tracesPerSecond.push(t.perSecond);
        mode.jobP99Ms.push(t.jobP99);
        mode.jobP50Ms.push(t.jobP50);
        mode.traceWriteP99Ms.push(t.traceP99);
        mode.enqueueTracesPerSecond.push(t.addPerSecond);
        batchTotals[i]!.batches += t.batches;
        batchTotals[i]!.rows += t.rows;
        mode.cpu = addCpu(mode.cpu, t.cpu);
        line.push(`${Math.round(t.perSecond)} traces/s at ${mode.tracesPerJob}/job (job p99 ${t.jobP99} ms)`);
      }
      if (warm) continue;
      result.copyTracesPerSecond.push(copy.perSecond);
      result.copyCpu = addCpu(result.copyCpu, copy.cpu);
      result.floorTracesPerSecond.push(floor.perSecond);
      result.floorCpu = addCpu(result.floorCpu, floor.cpu);
      log(
        `insights run ${run + 1}/${runs}: COPY ${Math.round(copy.perSecond)} rows/s; floor (BullMQ + COPY) ${Math.round(floor.perSecond)} traces/s; ` +
          `queue ${line.join(', ')}`,
      );
    }
    const copyMedian = median(result.copyTracesPerSecond);
    result.queue.forEach((mode, i) => {
      mode.ratio = median(mode.tracesPerSecond) / copyMedian;
      mode.meanBatchRows = batchTotals[i]!.batches > 0 ? batchTotals[i]!.rows / batchTotals[i]!.batches : Number.NaN;
    });
    result.ratio = result.queue[0]?.ratio ?? Number.NaN;
    await queue.obliterate({ force: true }).catch(() => {});
    return result;
  } finally {
    await group?.close(5_000);
    await floorQueue?.close();
    await producer.close();
    await copyClient.end().catch(() => {});
    await Promise.allSettled([producerConnection.quit(), workerConnection.quit()]);
    await db.destroy();
  }
}

/** One line per figure, for people. */
export function describeInsightsResult(r: InsightsBenchResult): string[] {
  const copy = median(r.copyTracesPerSecond);
  return [
    `COPY ${Math.round(copy)} rows/s (median of ${r.runs}, ${r.traces} rows each)`,
    `floor, plain BullMQ + COPY, ${r.queue[0]?.tracesPerJob} per job: ${Math.round(median(r.floorTracesPerSecond))} traces/s = ${(median(r.floorTracesPerSecond) / copy).toFixed(2)} × COPY`,
    ...r.queue.map(
      (m) =>
        `queue, ${m.tracesPerJob} trace(s)/job: ${Math.round(median(m.tracesPerSecond))} traces/s = ${m.ratio.toFixed(2)} × COPY; ` +
        `job p99 ${median(m.jobP99Ms)} ms, p50 ${median(m.jobP50Ms)} ms; trace write p99 ≤ ${median(m.traceWriteP99Ms)} ms; ` +
        `mean INSERT batch ${Math.round(m.meanBatchRows)} rows`,
    ),
    `workers: concurrency ${r.concurrency}, batches ≤ ${r.batchMaxRows} rows / ${r.batchMaxWaitMs} ms`,
  ];
}

/** CPU per trace of COPY and of each queue mode, in µs (all zeros when no CPU was measured). */
export function describeInsightsCpu(r: InsightsBenchResult): string {
  const per = (cpu: CpuSnapshot, n: number) => {
    const us = (ms: number) => Math.round((ms * 1000) / n);
    return `${us(cpu.node + cpu.postgres + cpu.redis)} µs (node ${us(cpu.node)}, postgres ${us(cpu.postgres)}, redis ${us(cpu.redis)})`;
  };
  return [
    `COPY ${per(r.copyCpu, r.runs * r.traces)} per row`,
    `floor (BullMQ + COPY) ${per(r.floorCpu, r.runs * r.traces)} per trace`,
    ...r.queue.map((m) => `${m.tracesPerJob}/job ${per(m.cpu, r.runs * m.traces)} per trace`),
  ].join('; ');
}

/**
 * `npx tsx bench/insights.ts [traces] [runs] [modes, e.g. 500,20]`: starts its own Redis and
 * PostgreSQL, prints the figures (for profiling: `node --cpu-prof --import tsx bench/insights.ts`).
 */
async function standalone(): Promise<void> {
  const { startBenchInfrastructure } = await import('./bench-infrastructure.js');
  const scratch = mkdtempSync(join(tmpdir(), 'learnloop-bench-insights-'));
  const infra = await startBenchInfrastructure(scratch);
  const meter = new CpuMeter(infra.pids);
  try {
    const result = await benchInsights({
      redisUrl: infra.redisUrl,
      databaseUrl: await infra.createDatabase('bench_insights'),
      traces: process.argv[2] ? Number(process.argv[2]) : undefined,
      runs: process.argv[3] ? Number(process.argv[3]) : undefined,
      queueModes: process.argv[4] ? process.argv[4].split(',').map(Number) : undefined,
      cpu: () => meter.snapshot(),
      log: (m) => process.stderr.write(`[bench] ${m}\n`),
    });
    console.log(JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v), 2));
    for (const line of describeInsightsResult(result)) console.log(line);
    console.log(`CPU: ${describeInsightsCpu(result)}`);
    console.log(`target: queue (${result.queue[0]?.tracesPerJob}/job) ≥ 0.7 × COPY → ${result.ratio >= 0.7 ? 'met' : 'NOT met'} (${result.ratio.toFixed(2)})`);
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
