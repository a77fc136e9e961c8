import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Db } from '../database.js';
import { backupsCreatedBefore, deleteBackupRow, newestCompletedBackup, newestVerifiedBackup } from '../queries/backups.js';

const DAY_MS = 86_400_000;

/**
 * Deletes backups created more than `keepDays` before `now` — files and catalogue row — except
 * the newest backup that passed verification and the newest completed one, whatever their age:
 * a system whose backups have been failing for a month still keeps its last good one. Also removes
 * work directories (`.tmp-*`) that crashed backups left more than a day ago. Only paths inside
 * `backupDir` are ever deleted.
 */
export async function pruneBackups(
  db: Db,
  options: { backupDir: string; keepDays: number; now: Date },
): Promise<{ removed: string[]; keptNewestVerified: string | null }> {
  const backupDir = resolve(options.backupDir);
  const cutoff = new Date(options.now.getTime() - options.keepDays * DAY_MS);
  const verified = await newestVerifiedBackup(db);
  const completed = await newestCompletedBackup(db);
  const protectedIds = new Set([verified?.id, completed?.id].filter((id): id is string => id !== undefined));

  const removed: string[] = [];
  for (const backup of await backupsCreatedBefore(db, cutoff)) {
    if (protectedIds.has(backup.id)) continue;
    if (backup.path) {
      const path = resolve(backup.path);
      const inside = relative(backupDir, path);
      // DANGER: recursive delete. Only a directory strictly inside BACKUP_DIR.
      if (inside && !inside.startsWith('..') && !inside.includes(sep) && path !== backupDir) {
        await rm(path, { recursive: true, force: true });
      }
    }
    await deleteBackupRow(db, backup.id);
    removed.push(backup.id);
  }

  const entries = await readdir(backupDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith('.tmp-')) continue;
    const info = await stat(join(backupDir, entry.name));
    if (info.mtimeMs < options.now.getTime() - DAY_MS) await rm(join(backupDir, entry.name), { recursive: true, force: true });
  }
  return { removed, keptNewestVerified: verified?.id ?? null };
}
