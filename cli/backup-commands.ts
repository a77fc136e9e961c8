import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { provideInfrastructure } from '../app/infrastructure.js';
import type { Config } from '../core/config/config-schema.js';
import { maintenanceDirs } from '../core/retention/maintenance-dirs.js';
import { createBackup } from '../db/backup/create-backup.js';
import { restoreBackup } from '../db/backup/restore-backup.js';
import { createDatabase } from '../db/database.js';
import { recordAudit } from '../db/queries/audit-log.js';
import type { Logger } from '../observability/logger.js';

/** `learnloop backup` and `learnloop restore`: straight against Postgres, no Redis needed. */

const cliActor = () => `cli:${userInfo().username}`;

async function withDatabase<T>(config: Config, logger: Logger, work: (db: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
  const infra = await provideInfrastructure({ ...config, REDIS_URL: config.REDIS_URL ?? 'redis://unused' }, logger);
  const db = createDatabase({ url: infra.databaseUrl });
  try {
    return await work(db);
  } finally {
    await db.destroy();
    await infra.stop();
  }
}

export async function backupCommand(config: Config, logger: Logger): Promise<number> {
  return withDatabase(config, logger, async (db) => {
    // No migration first: a backup taken before an upgrade is the point of taking one.
    const backup = await createBackup(db, { backupDir: maintenanceDirs(config).backups, clock: () => new Date() });
    await recordAudit(db, { actor: cliActor(), action: 'backup.created', target: backup.backupId, details: { bytes: backup.bytes, rows: backup.rows } });
    console.log(JSON.stringify({ backupId: backup.backupId, path: backup.path, tables: backup.manifest.tables.length, rows: backup.rows, bytes: backup.bytes }));
    return 0;
  });
}

/** `target` is a backup directory, or the id of a backup under BACKUP_DIR. */
export async function restoreCommand(config: Config, logger: Logger, target: string | undefined): Promise<number> {
  if (!target) {
    console.error('usage: learnloop restore <backup directory | backup id>   (into the EMPTY database at DATABASE_URL)');
    return 2;
  }
  const underBackupDir = join(maintenanceDirs(config).backups, target);
  const backupPath = existsSync(join(underBackupDir, 'manifest.json')) ? underBackupDir : resolve(target);
  return withDatabase(config, logger, async (db) => {
    try {
      const restored = await restoreBackup(db, { backupPath });
      await recordAudit(db, { actor: cliActor(), action: 'backup.restored', target: restored.backupId, details: { ...restored, from: backupPath } });
      console.log(JSON.stringify(restored));
      return 0;
    } catch (error) {
      console.error(`restore failed: ${(error as Error).message}`);
      return 1;
    }
  });
}
