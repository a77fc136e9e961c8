import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * The statements of the retention sweep. Each runs in its own short transaction with a lock
 * timeout (a batch waits at most this long for a lock, instead of queueing behind a long
 * transaction and making every later writer queue behind it) and a statement timeout.
 */
export interface BatchLimits {
  batchSize: number;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
}

async function inShortTransaction<T>(db: Db, limits: BatchLimits, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    // synchronous_commit off: a batch does not wait for its WAL flush. A crash can lose only the
    // last few batches' deletes, which the next sweep simply does again (each is idempotent, and
    // an archive batch is one statement: archived and deleted together or not at all).
    await sql`SELECT set_config('lock_timeout', ${`${limits.lockTimeoutMs ?? 5_000}ms`}, true),
                     set_config('statement_timeout', ${`${limits.statementTimeoutMs ?? 60_000}ms`}, true),
                     set_config('synchronous_commit', 'off', true)`.execute(trx);
    return work(trx);
  });
}

/**
 * Deletes at most `batchSize` rows of one plain (non-partitioned) table matching `where`; returns
 * how many. Rows are picked by ctid (a TID scan, no sort) and `where` is checked again on the row
 * being deleted, so a row that changed in between is never deleted unless it still matches.
 * DANGER: `table` and `where` are trusted SQL built by db/retention — never from a request.
 */
export async function deleteBatch(db: Db, table: string, where: RawBuilder<boolean>, limits: BatchLimits): Promise<number> {
  return inShortTransaction(db, limits, async (trx) => {
    const t = sql.table(table);
    const result = await sql`
      DELETE FROM ${t}
      WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${t} WHERE ${where} LIMIT ${limits.batchSize}))
        AND ${where}`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  });
}

/**
 * Moves at most `batchSize` raw analytics events older than `cutoff` to analytics_events_archive:
 * delete and insert are one statement, so a batch is archived and deleted together or not at all.
 * An event already in the archive (a re-run after a crash) is kept once.
 * Both tables must keep the same columns in the same order (the archive was made with LIKE): a
 * migration that changes one changes the other, or this statement fails loudly.
 */
export async function archiveAnalyticsBatch(db: Db, cutoff: Date, limits: BatchLimits): Promise<{ deleted: number; archived: number }> {
  return inShortTransaction(db, limits, async (trx) => {
    const { rows } = await sql<{ deleted: number; archived: number }>`
      WITH moved AS (
        DELETE FROM analytics_events
        WHERE ctid = ANY (ARRAY(SELECT ctid FROM analytics_events WHERE occurred_at < ${cutoff} LIMIT ${limits.batchSize}))
          AND occurred_at < ${cutoff}
        RETURNING *
      ), stored AS (
        INSERT INTO analytics_events_archive SELECT * FROM moved ON CONFLICT DO NOTHING RETURNING 1
      )
      SELECT (SELECT count(*) FROM moved)::int AS deleted, (SELECT count(*) FROM stored)::int AS archived`.execute(trx);
    return rows[0]!;
  });
}

/** Runs `work` (DDL such as dropping partitions) in one transaction under the same timeouts. */
export async function withLockTimeout<T>(db: Db, limits: Omit<BatchLimits, 'batchSize'>, work: (trx: Db) => Promise<T>): Promise<T> {
  return inShortTransaction(db, { batchSize: 0, ...limits }, work);
}
