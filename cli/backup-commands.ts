import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { provideInfrastructure } from '../app/infrastructure.js';
import type { Config } from '../core/config/config-schema.js';
import { type BackupSource, backupSourceAt, backupStoreFor } from '../db/backup/backup-store.js';
import { createBackup } from '../db/backup/create-backup.js';
import { manifestFileName } from '../db/backup/manifest.js';
import { type RestoreMode, planRestore, restoreBackup } from '../db/backup/restore-backup.js';
import { type Db, createDatabase } from '../db/database.js';
import { recordAudit } from '../db/queries/audit-log.js';
import { getBackup, newestVerifiedBackup } from '../db/queries/backups.js';
import { type ErasureEntry, listErasures } from '../db/queries/erasure-ledger.js';
import type { Logger } from '../observability/logger.js';

/**
 * `learnloop backup` and `learnloop restore`: straight against Postgres, no Redis needed. On a
 * DATA_DIR whose servers a running learnloop owns, they attach to them (app/infrastructure.ts).
 */

const cliActor = () => `cli:${userInfo().username}`;

async function withDatabase<T>(config: Config, logger: Logger, work: (db: Db) => Promise<T>): Promise<T> {
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
    const backup = await createBackup(db, { store: backupStoreFor(config, db), clock: () => new Date() });
    await recordAudit(db, { actor: cliActor(), action: 'backup.created', target: backup.backupId, details: { bytes: backup.bytes, rows: backup.rows } });
    console.log(JSON.stringify({ backupId: backup.backupId, path: backup.path, tables: backup.manifest.tables.length, rows: backup.rows, bytes: backup.bytes }));
    return 0;
  });
}

export const restoreUsage = `learnloop restore [<backup id | backup directory>] [options]

  Into the EMPTY database at DATABASE_URL (default), or replacing rows in place with --replace.
  --as-of TIMESTAMP   the newest verified backup taken before TIMESTAMP (instead of naming one)
  --table T           only table T (repeatable); needs --replace: its rows are replaced in one transaction
  --into-empty        refuse a database that holds any row (the default)
  --replace           replace the rows of the backup's tables; prints what will change (rows per
                      table, now → after) and stops there unless --yes is given too
  --yes               apply a --replace after printing the plan
  --from URL          the live system's database: its backup catalogue, its Postgres backup store and
                      its erasure ledger (default: DATABASE_URL itself; give it when restoring into a
                      new database, so erasures made after the backup are re-applied)`;

/** Exit code when --replace printed its plan but was not told --yes: nothing changed. */
export const planOnlyExitCode = 3;

export async function restoreCommand(config: Config, logger: Logger, argv: string[]): Promise<number> {
  let values: { 'as-of'?: string; table?: string[]; 'into-empty'?: boolean; replace?: boolean; yes?: boolean; from?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'as-of': { type: 'string' },
        table: { type: 'string', multiple: true },
        'into-empty': { type: 'boolean' },
        replace: { type: 'boolean' },
        yes: { type: 'boolean' },
        from: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) {
      console.log(restoreUsage);
      return 0;
    }
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${restoreUsage}`);
    return 2;
  }
  const target = positionals[0];
  const problem =
    positionals.length > 1 ? 'name one backup'
    : (target === undefined) === (values['as-of'] === undefined) ? 'name a backup, or give --as-of TIMESTAMP (one of the two)'
    : values.replace && values['into-empty'] ? '--replace and --into-empty exclude each other'
    : values.table && !values.replace ? '--table replaces that table\'s rows: add --replace'
    : values['as-of'] !== undefined && Number.isNaN(Date.parse(values['as-of'])) ? `--as-of ${values['as-of']} is not a timestamp (e.g. 2025-06-01T12:00:00Z)`
    : undefined;
  if (problem) {
    console.error(`${problem}\n\n${restoreUsage}`);
    return 2;
  }
  const mode: RestoreMode = values.replace ? 'replace' : 'into-empty';

  return withDatabase(config, logger, async (db) => {
    // The live system's database: where the catalogue, the Postgres store and the ledger are.
    const live = values.from ? createDatabase({ url: values.from }) : mode === 'replace' ? db : undefined;
    try {
      const source = await chooseBackup(config, db, live, { target, asOf: values['as-of'] });
      const erasures: ErasureEntry[] = live && live !== db ? await listErasures(live) : [];
      if (mode === 'into-empty' && !live) {
        console.error('note: without --from, only the erasures recorded in this database are re-applied; erasures made after the backup are not (give --from <the live DATABASE_URL>)');
      }
      if (mode === 'replace') {
        const plan = await planRestore(db, { source, mode, tables: values.table });
        console.error(`restore of ${plan.backupId} (taken ${plan.createdAt}) replaces, in one transaction:`);
        for (const c of plan.changes) console.error(`  ${c.table.padEnd(28)} ${String(c.before).padStart(10)} rows now → ${String(c.after).padStart(10)} after`);
        if (!values.yes) {
          console.log(JSON.stringify({ applied: false, ...plan }));
          console.error('nothing was changed: run again with --yes to apply');
          return planOnlyExitCode;
        }
      }
      const restored = await restoreBackup(db, { source, mode, tables: values.table, erasures });
      await recordAudit(db, { actor: cliActor(), action: 'backup.restored', target: restored.backupId, details: { ...restored, from: source.location, tablesRestored: values.table ?? null } });
      console.log(JSON.stringify({ applied: true, ...restored }));
      return 0;
    } catch (error) {
      console.error(`restore failed: ${(error as Error).message}`);
      return 1;
    } finally {
      if (live && live !== db) await live.destroy();
    }
  });
}

/**
 * The backup to restore: a backup directory; an id in the catalogue (of `live`, or of the target
 * itself) wherever the catalogue says it is kept; an id under BACKUP_DIR; or, with --as-of, the
 * newest backup that passed verification before that time.
 */
async function chooseBackup(config: Config, db: Db, live: Db | undefined, wanted: { target?: string; asOf?: string }): Promise<BackupSource> {
  const catalogue = live ?? db;
  if (wanted.asOf !== undefined) {
    const row = await newestVerifiedBackup(catalogue, new Date(wanted.asOf));
    if (!row?.path) throw new Error(`no verified backup was taken before ${wanted.asOf}${live ? '' : ' (the catalogue is read from --from, or from DATABASE_URL)'}`);
    return backupSourceAt(row.path, catalogue);
  }
  const target = wanted.target!;
  if (existsSync(join(resolve(target), manifestFileName))) return backupSourceAt(resolve(target), undefined);
  const row = await getBackup(catalogue, target).catch(() => undefined);
  if (row?.path) return backupSourceAt(row.path, catalogue);
  if (config.BACKUP_STORE === 'postgres' && !live) throw new Error(`backup ${target} is kept in Postgres: name the database that holds it with --from <DATABASE_URL>`);
  return backupSourceAt(backupStoreFor(config, catalogue).locationOf(target), catalogue);
}
