import type pg from 'pg';
import type { Db } from '../database.js';

/**
 * The erasure ledger (`erasure_ledger`): every learner ever erased, and when. A trigger on
 * `learners` writes it whenever a row gets its `deleted_at` (db/migrations/0007_shared_stores.ts),
 * so every erase path records it, in the same statement. Backups leave it out and restores never
 * replace it: a restore re-applies it instead, so an erasure made after a backup survives
 * restoring that backup (db/backup/restore-backup.ts).
 */
export interface ErasureEntry {
  learnerId: string;
  erasedAt: Date;
}

export async function listErasures(db: Db): Promise<ErasureEntry[]> {
  const rows = await db.selectFrom('erasure_ledger').select(['learner_id', 'erased_at']).orderBy('erased_at').execute();
  return rows.map((r) => ({ learnerId: r.learner_id, erasedAt: r.erased_at }));
}

/**
 * Inside a restore's transaction (on its client): adds `extra` entries (another database's
 * ledger) to this one, then marks every learner in the ledger erased again, with the learner model
 * wiped — a learner the backup brings back, or rows of a learner purged since, reappear erased.
 * The read paths hide them at once (deleted_at), and the retention sweep purges them once the
 * grace period after the ORIGINAL erasure is over. Returns the learners re-erased.
 *
 * DANGER: must stay in step with eraseLearner (db/queries/learner-erasure.ts) for the columns the
 * read paths test; the restore also runs eraseLearner itself for each of them after commit.
 */
export async function reapplyErasureLedger(client: pg.ClientBase, extra: readonly ErasureEntry[]): Promise<string[]> {
  if (extra.length > 0) {
    await client.query(
      `INSERT INTO erasure_ledger (learner_id, erased_at) SELECT * FROM unnest($1::text[], $2::timestamptz[]) ON CONFLICT (learner_id) DO NOTHING`,
      [extra.map((e) => e.learnerId), extra.map((e) => e.erasedAt)],
    );
  }
  const { rows } = await client.query<{ user_id: string }>(`
    INSERT INTO learners (user_id, state, deleted_at)
    SELECT learner_id, '{}'::jsonb, erased_at FROM erasure_ledger
    ON CONFLICT (user_id) DO UPDATE SET state = '{}'::jsonb, skill = 0, level = 1, comeback_mode = false, updated_at = now(),
      deleted_at = COALESCE(learners.deleted_at, excluded.deleted_at)
    WHERE learners.deleted_at IS NULL -- one erased already was anonymised by its erasure
    RETURNING user_id`);
  return rows.map((r) => r.user_id);
}
