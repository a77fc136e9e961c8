import { UnrecoverableError } from 'bullmq';
import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import { DecisionInsightCache } from '../../../db/cache/decision-insight-cache.js';
import { ensureDecisionInsightPartitions, monthsFrom } from '../../../db/queries/decision-insight-partitions.js';
import { copyDecisionInsights, insertDecisionInsights } from '../../../db/queries/decision-insights.js';
import { recordDecisionWriteLatency } from '../../../observability/decision-write-latency.js';
import type { Logger } from '../../../observability/logger.js';
import {
  decisionTracesDuplicate,
  decisionTracesPending,
  decisionWriteBatchRows,
  decisionWriteBatchSeconds,
  decisionWriteSeconds,
} from '../../../observability/insight-metrics.js';
import { MicroBatcher } from '../../runtime/micro-batcher.js';
import { RefusedRow, onePerServices, writeIsolatingRefused } from '../../runtime/per-services.js';
import type { WorkerServices } from '../../runtime/processor.js';

/** Partitions are prepared for the current month and this many after it. */
const MONTHS_AHEAD = 2;
/**
 * A trace whose month is within this many months of now gets its partition made on demand; one
 * further out (a replay of old traces, a wild clock) goes to the DEFAULT partition instead of
 * creating a partition for it, and retention deletes it from there.
 */
const ON_DEMAND_WINDOW_MONTHS = 3;
/**
 * Batches of at least this many traces are written by COPY (copyDecisionInsights: less Postgres
 * CPU per row, one more round trip for the erasure check); smaller ones by the one INSERT, which
 * costs a single round trip.
 */
const COPY_MIN_ROWS = 100;

// Bound once: observe() with a labels object hashes the labels on every call, here per trace.
const storedWriteSeconds = decisionWriteSeconds.labels({ outcome: 'stored' });

/** createdAt exactly as Date.prototype.toISOString() prints it (UTC, milliseconds). */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A fraction of a second finer than milliseconds, which a JS Date would lose. */
const SUB_MILLISECOND = /\.\d{4,}/;

/** Stored now (true), stored before (false), or refused by Postgres for good (the error). */
type Outcome = boolean | UnrecoverableError;

function unstorable(trace: DecisionTrace, error: unknown): UnrecoverableError {
  return new UnrecoverableError(`trace ${trace.decisionId} cannot be stored: ${(error as Error).message}`);
}

interface Pending {
  trace: DecisionTrace;
  log: Logger;
  since: number;
  /** Put into the read cache once stored (see `worthWarming`). */
  warm: boolean;
}

/**
 * Which traces of one job are warmed into the read cache: the newest decision of each learner
 * (the one a learner-facing read asks about next; ties go to the later in the job), and every
 * trace without a learner (each is its own subject, e.g. a question's validation). The rest are
 * read through: the first GET misses and fills the cache. Warming every trace of a bulk cost a
 * Redis write of its JSON per trace (most never read) and 300 s of Redis memory per trace — at
 * tens of thousands of traces a second, gigabytes on a `noeviction` server.
 */
export function worthWarming(traces: readonly DecisionTrace[]): boolean[] {
  const warm = new Array<boolean>(traces.length).fill(true);
  const newest = new Map<string, { index: number; at: number }>();
  traces.forEach((t, i) => {
    if (t.userId === undefined) return;
    const at = Date.parse(t.createdAt);
    const seen = newest.get(t.userId);
    if (seen === undefined) {
      newest.set(t.userId, { index: i, at });
      return;
    }
    if (at >= seen.at) {
      warm[seen.index] = false;
      newest.set(t.userId, { index: i, at });
    } else {
      warm[i] = false;
    }
  });
  return warm;
}

/**
 * The write side of the decision-insights actor, one per process (per WorkerServices): traces of
 * concurrently running `record` / `record-batch` jobs are gathered by a MicroBatcher and written
 * with one idempotent statement per batch (INSERT … ON CONFLICT DO NOTHING, or COPY for a large
 * batch: copyDecisionInsights), then the ones worth it warmed into the read cache. A job's promise
 * resolves only after its batch committed, so a completed job means a stored trace.
 */
export class TraceWriter {
  private readonly batcher: MicroBatcher<Pending, Outcome>;
  private readonly cache: DecisionInsightCache;
  /** Months whose partition is known to exist, or being made (the promise). */
  private readonly months = new Map<string, Promise<void>>();

  constructor(private readonly services: Pick<WorkerServices, 'db' | 'redis' | 'config' | 'now'>) {
    const { config } = services;
    this.cache = new DecisionInsightCache(services.redis, config.QUEUE_PREFIX);
    this.batcher = new MicroBatcher<Pending, Outcome>({
      maxItems: config.INSIGHT_BATCH_MAX_ROWS,
      maxWaitMs: config.INSIGHT_BATCH_MAX_WAIT_MS,
      // Leave pool connections for the other actors of this process.
      maxConcurrentFlushes: Math.max(1, Math.min(4, Math.floor(config.PG_POOL_SIZE / 2))),
      flush: (batch) => this.flush(batch),
      onPendingChange: (delta) => decisionTracesPending.inc(delta),
    });
  }

  /** Resolves true when this call stored the trace, false when it was stored before. */
  async write(trace: DecisionTrace, log: Logger): Promise<boolean> {
    const outcome = await this.batcher.add({ trace, log, since: performance.now(), warm: true });
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /**
   * Several traces of one job; resolves to how many this call stored. They may be written in more
   * than one batch: should one batch fail, the job fails and its retry re-writes them all, which
   * the primary key makes harmless for those already stored.
   */
  async writeMany(traces: readonly DecisionTrace[], log: Logger): Promise<number> {
    const since = performance.now();
    const warm = worthWarming(traces);
    const outcomes = await this.batcher.addMany(traces.map((trace, i) => ({ trace, log, since, warm: warm[i]! })));
    let stored = 0;
    for (const outcome of outcomes) {
      if (outcome instanceof Error) throw outcome;
      if (outcome) stored++;
    }
    return stored;
  }

  /**
   * One batch. DANGER — a poison trace: a row Postgres refuses as data (a NUL character in a
   * string, a year it cannot store) would fail every batch it lands in, and with it the innocent
   * traces of other jobs, on every retry. So a batch failing with a data error is split and each
   * trace written alone: the bad ones fail for good (UnrecoverableError), the rest are stored.
   * Any other error (connection, timeout) fails the whole batch, and BullMQ retries its jobs.
   */
  private async flush(batch: Pending[]): Promise<Outcome[]> {
    const results = await writeIsolatingRefused(batch, (part) => this.writeBatch([...part]), {
      onSplit: (error) => batch[0]!.log.warn({ err: { message: error.message }, traces: batch.length }, 'a trace of this batch cannot be stored; writing them one by one'),
    });
    return results.map((r, i) => (r instanceof RefusedRow ? unstorable(batch[i]!.trace, r.error) : r));
  }

  private async writeBatch(batch: Pending[]): Promise<boolean[]> {
    const started = performance.now();
    const traces = batch.map((p) => p.trace);
    const copy = traces.length >= COPY_MIN_ROWS;
    // Serialised once, for both Postgres (the INSERT path) and the cache (this loop is the
    // writer's hot path: no Date or object copies for the usual, canonical createdAt). The cache
    // holds what a read from Postgres returns, createdAt as toISOString(); Postgres gets the
    // producer's exact createdAt, which only differs when it carries more than millisecond
    // precision. The COPY path serialises its own rows, so there only warmed traces are.
    const cached: { decisionId: string; json: string }[] = [];
    const stored = copy ? [] : new Array<string>(traces.length);
    const months = new Set<string>();
    traces.forEach((t, i) => {
      const canonical = CANONICAL_INSTANT.test(t.createdAt);
      const iso = canonical ? t.createdAt : new Date(t.createdAt).toISOString();
      months.add(`${iso.slice(0, 7)}-01`); // iso is UTC: its month is the partition's
      if (copy && !batch[i]!.warm) return;
      const json = JSON.stringify(canonical ? t : { ...t, createdAt: iso });
      if (batch[i]!.warm) cached.push({ decisionId: t.decisionId, json });
      if (!copy) stored[i] = canonical || !SUB_MILLISECOND.test(t.createdAt) ? json : JSON.stringify(t);
    });
    let inserted: Set<string>;
    try {
      await this.preparePartitions(months);
      inserted = copy
        ? await copyDecisionInsights(this.services.db, traces)
        : await insertDecisionInsights(this.services.db, traces, `[${stored.join(',')}]`);
    } catch (error) {
      const ended = performance.now();
      decisionWriteBatchSeconds.observe({ outcome: 'failed' }, (ended - started) / 1000);
      for (const p of batch) decisionWriteSeconds.observe({ outcome: 'failed' }, (ended - p.since) / 1000);
      batch[0]?.log.warn({ err: { message: (error as Error).message }, traces: batch.length }, 'decision trace batch failed');
      throw error;
    }
    const ended = performance.now();
    decisionWriteBatchSeconds.observe({ outcome: 'stored' }, (ended - started) / 1000);
    decisionWriteBatchRows.observe(batch.length);
    const latenciesMs = new Array<number>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      latenciesMs[i] = ended - batch[i]!.since;
      storedWriteSeconds.observe(latenciesMs[i]! / 1000);
    }

    // Only what this batch stored is warmed (and of that, what its job picked: worthWarming): a
    // duplicate was warmed when first stored, and a trace about an erased learner is neither
    // stored nor cached.
    const warm = cached.filter((c) => inserted.has(c.decisionId));
    // A decision id appears once in `inserted` however many jobs of the batch carried it: the
    // first of them reports it stored, the others (and traces stored earlier) as duplicates.
    const results = batch.map((p) => inserted.delete(p.trace.decisionId));
    decisionTracesDuplicate.inc(results.filter((s) => !s).length);

    // Warm the read cache, and add the latencies to the cluster-wide histogram the alert engine
    // reads. The rows are committed whatever happens here: a Redis hiccup only costs a later cache
    // miss or a gap in the alert's data, so it must not fail (and re-run) the jobs.
    await Promise.all([
      this.cache
        .putMany(warm)
        .catch((error: Error) => batch[0]?.log.warn({ err: { message: error.message } }, 'could not warm the insight cache')),
      recordDecisionWriteLatency(this.services.redis, this.services.config.QUEUE_PREFIX, latenciesMs),
    ]);
    return results;
  }

  /** Makes sure this month and the next are partitioned, and any month of the batch near now. */
  private async preparePartitions(batchMonths: ReadonlySet<string>): Promise<void> {
    const now = this.services.now();
    const wanted = new Set(monthsFrom(now, MONTHS_AHEAD));
    const window = new Set(monthsFrom(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - ON_DEMAND_WINDOW_MONTHS, 1)), 2 * ON_DEMAND_WINDOW_MONTHS));
    for (const month of batchMonths) if (window.has(month)) wanted.add(month);
    const missing = [...wanted].filter((m) => !this.months.has(m));
    if (missing.length > 0) {
      const making = ensureDecisionInsightPartitions(this.services.db, missing).then(() => undefined);
      for (const m of missing) this.months.set(m, making);
      // A failed attempt is forgotten so the next batch tries again.
      making.catch(() => {
        for (const m of missing) if (this.months.get(m) === making) this.months.delete(m);
      });
    }
    await Promise.all([...wanted].map((m) => this.months.get(m)));
  }
}

/** The process's writer for these services (a test process may run several systems). */
export const traceWriterFor = onePerServices((services) => new TraceWriter(services));
