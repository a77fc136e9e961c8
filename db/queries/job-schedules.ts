import { sql } from 'kysely';
import type { Db } from '../database.js';

export interface StoredSchedules {
  version: number;
  hash: string;
  entries: unknown[];
  updatedAt: Date;
  updatedBy: string;
}

export interface ScheduleStoreTransaction {
  read(): Promise<StoredSchedules | undefined>;
  write(row: { version: number; hash: string; entries: unknown[]; updatedBy: string }): Promise<void>;
}

/**
 * Runs `fn` in a transaction holding a lock on this prefix's stored schedules, so two processes
 * starting together decide one after the other: each reads what the other wrote, and the job
 * schedulers in Redis end as the stored row says (fn registers them before the lock is released).
 */
export async function withStoredSchedules<T>(db: Db, queuePrefix: string, fn: (store: ScheduleStoreTransaction) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`learnloop:job-schedules:${queuePrefix}`}))`.execute(trx);
    return fn({
      async read() {
        const row = await trx.selectFrom('job_schedules').selectAll().where('queue_prefix', '=', queuePrefix).executeTakeFirst();
        return row && { version: row.version, hash: row.hash, entries: row.entries, updatedAt: new Date(row.updated_at), updatedBy: row.updated_by };
      },
      async write(row) {
        const values = { version: row.version, hash: row.hash, entries: JSON.stringify(row.entries), updated_by: row.updatedBy, updated_at: sql<Date>`now()` };
        await trx
          .insertInto('job_schedules')
          .values({ queue_prefix: queuePrefix, ...values })
          .onConflict((oc) => oc.column('queue_prefix').doUpdateSet(values))
          .execute();
      },
    });
  });
}
