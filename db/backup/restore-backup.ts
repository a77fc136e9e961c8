import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { sql } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import { type Db, poolOf } from '../database.js';
import { migrateTo, migrateToLatest, schemaVersion } from '../migrate.js';
import { checkBackupFiles } from './check-backup-files.js';
import { quoteIdent, setCopySession } from './copy-session.js';
import { readManifest } from './manifest.js';

export interface RestoreOutcome {
  backupId: string;
  schemaVersion: string | null;
  tables: number;
  rows: number;
  /** Migrations applied after the data was loaded (the build is newer than the backup). */
  migratedAfter: string[];
}

/**
 * Restores a backup into an EMPTY database (it refuses any other): checks every file against the
 * manifest first, migrates the database to the backup's schema version, recreates the partitions
 * the backup had, loads every table in dependency order with COPY, sets every sequence to where it
 * stood, all in ONE transaction (a failed restore leaves the database as empty as it was), then
 * migrates to the newest schema this build knows.
 */
export async function restoreBackup(db: Db, options: { backupPath: string }): Promise<RestoreOutcome> {
  const manifest = await readManifest(options.backupPath);
  const { problems } = await checkBackupFiles(options.backupPath, manifest);
  if (problems.length) throw new Error(`backup ${manifest.backupId} is damaged; nothing was restored:\n  - ${problems.join('\n  - ')}`);
  if (!manifest.schemaVersion) throw new Error(`backup ${manifest.backupId} records no schema version; cannot restore it`);

  await assertEmpty(db);
  if ((await schemaVersion(db)) !== manifest.schemaVersion) await migrateTo(db, manifest.schemaVersion);

  const client = await poolOf(db).connect();
  let broken = false;
  let rows = 0;
  try {
    await client.query('BEGIN');
    await setCopySession(client);
    for (const part of manifest.partitions) {
      const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [quoteIdent(part.name)]);
      if (!exists.rows[0].e) {
        await client.query(`CREATE TABLE ${quoteIdent(part.name)} PARTITION OF ${quoteIdent(part.parent)} ${part.bound}`);
      }
    }
    for (const table of manifest.tables) {
      const copy = client.query(copyFrom(`COPY ${quoteIdent(table.name)} (${table.columns.map(quoteIdent).join(', ')}) FROM STDIN`));
      await pipeline(createReadStream(join(options.backupPath, table.file)), createGunzip(), copy);
      if (copy.rowCount !== table.rows) throw new Error(`table ${table.name}: loaded ${copy.rowCount} rows, the manifest says ${table.rows}`);
      rows += copy.rowCount;
    }
    for (const seq of manifest.sequences) {
      if (seq.lastValue !== null) await client.query('SELECT setval($1::regclass, $2::bigint, true)', [quoteIdent(seq.name), seq.lastValue]);
    }
    await client.query('COMMIT');
  } catch (error) {
    broken = true;
    await client.query('ROLLBACK').catch(() => {});
    throw new Error(`restore of ${manifest.backupId} failed and was rolled back: ${(error as Error).message}`);
  } finally {
    client.release(broken);
  }
  const migratedAfter = await migrateToLatest(db);
  return { backupId: manifest.backupId, schemaVersion: manifest.schemaVersion, tables: manifest.tables.length, rows, migratedAfter };
}

/** Refuses a database that holds any row in any table (migration bookkeeping aside). */
async function assertEmpty(db: Db): Promise<void> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname NOT LIKE 'kysely_migration%'`.execute(db);
  for (const { name } of tables) {
    const { rows } = await sql<{ any: boolean }>`SELECT EXISTS (SELECT 1 FROM ${sql.table(name)}) AS any`.execute(db);
    if (rows[0]!.any) {
      throw new Error(`the target database is not empty (table ${name} has rows): restore only into an empty database, e.g. a new one made with CREATE DATABASE`);
    }
  }
}
