import { sql } from 'kysely';
import type { Db } from '../database.js';
import { listLearnersErasedBefore } from '../queries/learner-erasure.js';
import { pseudonymiseAuditLog } from '../queries/pseudonyms.js';
import { learnerOwnedTables, physicalTables } from '../queries/learner-tables.js';
import { deleteBatch } from '../queries/retention.js';

export interface PurgeOptions {
  /** Learners erased before this instant are purged. */
  cutoff: Date;
  batchSize: number;
  signal?: AbortSignal;
}

/**
 * The hard delete of GDPR erasure: every row of every learner erased before `cutoff`, in every
 * table with a user_id, in small batches; the learners row goes last, so a purge interrupted
 * half-way is simply finished by the next sweep. Returns rows deleted per table.
 */
export async function purgeErasedLearners(
  db: Db,
  options: PurgeOptions,
): Promise<{ learners: number; deleted: Record<string, number>; userIds: string[] }> {
  const { cutoff, batchSize, signal } = options;
  const deleted: Record<string, number> = {};
  const add = (table: string, n: number) => {
    if (n > 0) deleted[table] = (deleted[table] ?? 0) + n;
  };
  const tables = (await learnerOwnedTables(db)).filter((t) => t !== 'learners');
  const leaves = new Map<string, string[]>();
  for (const table of tables) leaves.set(table, await physicalTables(db, table));

  let learners = 0;
  const purged: string[] = [];
  for (;;) {
    const userIds = await listLearnersErasedBefore(db, cutoff, 100);
    if (userIds.length === 0) break;
    for (const userId of userIds) {
      for (const table of tables) {
        for (const leaf of leaves.get(table)!) {
          let n: number;
          do {
            signal?.throwIfAborted();
            n = await deleteBatch(db, leaf, sql<boolean>`user_id = ${userId}`, { batchSize });
            add(table, n);
          } while (n === batchSize);
        }
      }
      // Only if still erased before the cutoff: never purge a learner whose erasure was undone.
      const n = await deleteBatch(db, 'learners', sql<boolean>`user_id = ${userId} AND deleted_at < ${cutoff}`, { batchSize: 1 });
      add('learners', n);
      learners += n;
      if (n > 0) {
        purged.push(userId);
        // The audit log keeps its entries, under the learner's pseudonym (again: entries may have
        // been written since the erasure).
        await pseudonymiseAuditLog(db, userId);
      }
    }
  }
  return { learners, deleted, userIds: purged };
}
