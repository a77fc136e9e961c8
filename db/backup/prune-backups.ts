import type { Db } from '../database.js';
import type { Config } from '../../core/config/config-schema.js';
import { backupStoreAt, backupStoreFor } from './backup-store.js';
import { backupsCreatedBefore, deleteBackupRow, newestCompletedBackup, newestVerifiedBackup } from '../queries/backups.js';

const DAY_MS = 86_400_000;

/**
 * Deletes backups created more than `keepDays` before `now` — files and catalogue row — except
 * the newest backup that passed verification and the newest completed one, whatever their age:
 * a system whose backups have been failing for a month still keeps its last good one. Also removes
 * what crashed backups left more than a day ago. Runs on any worker: the store is one every
 * process reaches (db/backup/backup-store.ts).
 */
export async function pruneBackups(
  db: Db,
  options: { config: Pick<Config, 'BACKUP_STORE' | 'BACKUP_DIR' | 'DATA_DIR'>; keepDays: number; now: Date },
): Promise<{ removed: string[]; keptNewestVerified: string | null }> {
  const cutoff = new Date(options.now.getTime() - options.keepDays * DAY_MS);
  const verified = await newestVerifiedBackup(db);
  const completed = await newestCompletedBackup(db);
  const protectedIds = new Set([verified?.id, completed?.id].filter((id): id is string => id !== undefined));

  const removed: string[] = [];
  for (const backup of await backupsCreatedBefore(db, cutoff)) {
    if (protectedIds.has(backup.id)) continue;
    if (backup.path) await backupStoreAt(backup.path, options.config, db).remove(backup.id, backup.path);
    await deleteBackupRow(db, backup.id);
    removed.push(backup.id);
  }

  await backupStoreFor(options.config, db).removeAbandoned(options.now);
  return { removed, keptNewestVerified: verified?.id ?? null };
}
