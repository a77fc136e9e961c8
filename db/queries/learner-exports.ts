import type { Db } from '../database.js';

/**
 * GDPR export bundles (`learner_exports`): personal data, kept until `expires_at` (7 days, see
 * core/retention/retention-policies.ts) and deleted at once when the learner is erased. In
 * Postgres so that every ingress can serve a bundle any worker built (README, "Storage").
 */

export async function saveLearnerExport(
  db: Db,
  row: { exportId: string; userId: string; createdAt: Date; expiresAt: Date; body: Buffer },
): Promise<void> {
  const values = { export_id: row.exportId, learner_id: row.userId, created_at: row.createdAt, expires_at: row.expiresAt, bytes: row.body.length, body: row.body };
  await db
    .insertInto('learner_exports')
    .values(values)
    .onConflict((oc) => oc.column('export_id').doUpdateSet({ created_at: values.created_at, expires_at: values.expires_at, bytes: values.bytes, body: values.body }))
    .execute();
}

/** One learner's bundle while it has not expired; undefined otherwise. */
export async function findLearnerExport(db: Db, userId: string, exportId: string, now: Date) {
  return db
    .selectFrom('learner_exports')
    .select(['export_id', 'bytes', 'body', 'created_at'])
    .where('export_id', '=', exportId)
    .where('learner_id', '=', userId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteLearnerExports(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('learner_exports').where('learner_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Drops every bundle expired at `now`; how many. */
export async function deleteExpiredLearnerExports(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('learner_exports').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
