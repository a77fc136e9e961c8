import { sql } from 'kysely';
import { type RetentionPolicy, firstKeptDay, retentionCutoff, retentionPolicies } from '../../core/retention/retention-policies.js';
import type { Db } from '../database.js';
import { dropDecisionInsightsBefore } from '../queries/decision-insight-partitions.js';
import { physicalTables } from '../queries/learner-tables.js';
import { type BatchLimits, archiveAnalyticsBatch, deleteBatch, withLockTimeout } from '../queries/retention.js';
import { purgeErasedLearners } from './purge-erased-learners.js';

export interface SweepOptions {
  asOf: Date;
  batchSize: number;
  signal?: AbortSignal;
  policies?: readonly RetentionPolicy[];
  /** Called after every batch (progress reporting). */
  onBatch?: (table: string, rows: number) => void;
}

export interface SweepOutcome {
  deleted: Record<string, number>;
  archived: Record<string, number>;
  droppedPartitions: string[];
  purgedLearners: number;
  /** Who was purged: for the caller's own clean-up (their records in Redis). Personal data: never log or return it. */
  purgedUserIds: string[];
}

/**
 * Applies every retention policy as of `asOf`: rows strictly older than a policy's cutoff go, rows
 * at or after it are never touched. Work is done in batches of `batchSize` rows, each its own
 * short transaction, so the sweep holds no long locks and can stop between any two batches (it
 * checks `signal`; the next run picks up where it stopped — every step is idempotent).
 */
export async function sweepRetention(db: Db, options: SweepOptions): Promise<SweepOutcome> {
  const { asOf, batchSize, signal } = options;
  const limits: BatchLimits = { batchSize };
  const outcome: SweepOutcome = { deleted: {}, archived: {}, droppedPartitions: [], purgedLearners: 0, purgedUserIds: [] };
  const count = (into: Record<string, number>, table: string, n: number) => {
    if (n > 0) into[table] = (into[table] ?? 0) + n;
    options.onBatch?.(table, n);
  };
  /** Batches until one comes back short. */
  const drain = async (table: string, batch: () => Promise<number>) => {
    let n: number;
    do {
      signal?.throwIfAborted();
      n = await batch();
      count(outcome.deleted, table, n);
    } while (n === batchSize);
  };

  for (const policy of options.policies ?? retentionPolicies) {
    const cutoff = retentionCutoff(asOf, policy.days);
    const expired =
      policy.columnKind === 'date'
        ? sql<boolean>`${sql.ref(policy.column)} < ${firstKeptDay(cutoff)}::date`
        : sql<boolean>`${sql.ref(policy.column)} < ${cutoff}`;

    switch (policy.action) {
      case 'delete':
        for (const leaf of await physicalTables(db, policy.table)) {
          await drain(policy.table, () => deleteBatch(db, leaf, expired, limits));
        }
        break;

      case 'archive': {
        if (policy.table !== 'analytics_events' || policy.archiveTable !== 'analytics_events_archive') {
          throw new Error(`retention policy ${policy.id}: only analytics_events can be archived`);
        }
        let moved: { deleted: number; archived: number };
        do {
          signal?.throwIfAborted();
          moved = await archiveAnalyticsBatch(db, cutoff, limits);
          count(outcome.archived, policy.archiveTable, moved.archived);
          count(outcome.deleted, policy.table, moved.deleted);
        } while (moved.deleted === batchSize);
        break;
      }

      case 'drop-partitions': {
        if (policy.table !== 'decision_insights') throw new Error(`retention policy ${policy.id}: only decision_insights is partitioned by month`);
        // 1. The default partition in batches first, so the single DELETE inside step 2 finds
        //    (almost) nothing left to do.
        await drain(policy.table, () => deleteBatch(db, 'decision_insights_default', expired, limits));
        // 2. Whole months that ended on or before the cutoff: DROP, no row-by-row delete. Dropping
        //    a partition locks the parent table: under lock_timeout it gives up (and the job retries
        //    later) rather than stalling every reader queued behind it.
        const dropped = await withLockTimeout(db, {}, (trx) => dropDecisionInsightsBefore(trx, cutoff));
        outcome.droppedPartitions.push(...dropped.partitions);
        count(outcome.deleted, policy.table, dropped.defaultRows);
        // 3. The month that straddles the cutoff keeps its partition; its expired rows go by batch.
        for (const leaf of await physicalTables(db, policy.table)) {
          await drain(policy.table, () => deleteBatch(db, leaf, expired, limits));
        }
        break;
      }

      case 'purge-erased-learners': {
        const purged = await purgeErasedLearners(db, { cutoff, batchSize, signal });
        outcome.purgedLearners += purged.learners;
        outcome.purgedUserIds.push(...purged.userIds);
        for (const [table, n] of Object.entries(purged.deleted)) count(outcome.deleted, table, n);
        break;
      }
    }
  }
  return outcome;
}
