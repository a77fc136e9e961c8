import type { Db } from '../database.js';

/** The backups catalogue: one row per backup, its state, manifest and verification. */

export async function startBackupRow(db: Db, id: string, path: string, at: Date): Promise<void> {
  // A retried backup job reuses its id: the row starts over.
  await db
    .insertInto('backups')
    .values({ id, status: 'running', path, created_at: at })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ status: 'running', path, error: null, completed_at: null, verified_at: null, verify_status: null, manifest: null, size_bytes: null }),
    )
    .execute();
}

export async function completeBackupRow(db: Db, id: string, manifest: object, sizeBytes: number, at: Date): Promise<void> {
  await db
    .updateTable('backups')
    .set({ status: 'completed', manifest: JSON.stringify(manifest), size_bytes: sizeBytes, completed_at: at, error: null })
    .where('id', '=', id)
    .execute();
}

export async function failBackupRow(db: Db, id: string, error: string, at: Date): Promise<void> {
  await db.updateTable('backups').set({ status: 'failed', error: error.slice(0, 2_000), completed_at: at }).where('id', '=', id).execute();
}

export async function recordBackupVerification(db: Db, id: string, passed: boolean, problems: string[], at: Date): Promise<void> {
  await db
    .updateTable('backups')
    .set({ verify_status: passed ? 'passed' : 'failed', verified_at: at, error: passed ? null : problems.join('\n').slice(0, 4_000) })
    .where('id', '=', id)
    .execute();
}

export async function getBackup(db: Db, id: string) {
  return db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function newestCompletedBackup(db: Db) {
  return db.selectFrom('backups').selectAll().where('status', '=', 'completed').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The newest backup that passed verification; with `before`, the newest taken before that instant. */
export async function newestVerifiedBackup(db: Db, before?: Date) {
  return db
    .selectFrom('backups')
    .selectAll()
    .where('status', '=', 'completed')
    .where('verify_status', '=', 'passed')
    .$if(before !== undefined, (q) => q.where('created_at', '<', before!))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function listBackups(db: Db, limit: number) {
  return db.selectFrom('backups').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function backupsCreatedBefore(db: Db, cutoff: Date) {
  return db.selectFrom('backups').selectAll().where('created_at', '<', cutoff).orderBy('created_at').execute();
}

export async function deleteBackupRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('backups').where('id', '=', id).execute();
}

export type BackupRow = NonNullable<Awaited<ReturnType<typeof getBackup>>>;

/** A catalogue row as the admin API shows it. */
export function toBackupView(row: BackupRow) {
  const manifest = row.manifest as { schemaVersion?: string | null; tables?: { rows: number }[] } | null;
  return {
    id: row.id,
    status: row.status,
    path: row.path,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    schemaVersion: manifest?.schemaVersion ?? null,
    tables: manifest?.tables?.length ?? null,
    rows: manifest?.tables?.reduce((sum, t) => sum + t.rows, 0) ?? null,
    verifiedAt: row.verified_at?.toISOString() ?? null,
    verifyStatus: row.verify_status,
    error: row.error,
  };
}

