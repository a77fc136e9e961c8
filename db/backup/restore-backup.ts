import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { sql } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import { type Db, poolOf } from '../database.js';
import { migrateTo, migrateToLatest, schemaVersion } from '../migrate.js';
import { type ErasureEntry, listErasures, reapplyErasureLedger } from '../queries/erasure-ledger.js';
import { eraseLearner } from '../queries/learner-erasure.js';
import type { BackupSource } from './backup-store.js';
import { checkBackupFiles } from './check-backup-files.js';
import { quoteIdent, setCopySession } from './copy-session.js';
import type { BackupManifest } from './manifest.js';

/**
 * - `into-empty` (default, the safe mode): the target database must hold no row at all.
 * - `replace`: the backup's rows replace the target's, table by table, in one transaction —
 *   every table of the backup, or only `tables`. The operator sees the plan first (planRestore).
 */
export type RestoreMode = 'into-empty' | 'replace';

export interface RestoreOptions {
  source: BackupSource;
  mode?: RestoreMode;
  /** Replace only these tables (mode `replace`). */
  tables?: readonly string[];
  /** Erasures recorded elsewhere (the live system's ledger, for a restore into a new database). */
  erasures?: readonly ErasureEntry[];
}

export interface RestoreOutcome {
  backupId: string;
  mode: RestoreMode;
  schemaVersion: string | null;
  tables: number;
  rows: number;
  /** Learners the erasure ledger erased again after the load. */
  reErased: number;
  /** Migrations applied after the data was loaded (the build is newer than the backup). */
  migratedAfter: string[];
}

export interface RestorePlan {
  backupId: string;
  createdAt: string;
  mode: RestoreMode;
  /** Rows per table now and after the restore. */
  changes: { table: string; before: number; after: number }[];
}

/** What a restore would change, table by table, without changing anything. */
export async function planRestore(db: Db, options: Pick<RestoreOptions, 'source' | 'mode' | 'tables'>): Promise<RestorePlan> {
  const manifest = await options.source.readManifest();
  const selected = selectTables(manifest, options.tables);
  const changes: RestorePlan['changes'] = [];
  for (const table of selected) {
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table.name)}`.execute(db).catch(() => ({ rows: [{ n: '0' }] }));
    changes.push({ table: table.name, before: Number(rows[0]!.n), after: table.rows });
  }
  return { backupId: manifest.backupId, createdAt: manifest.createdAt, mode: options.mode ?? 'into-empty', changes };
}

/**
 * Restores a backup. Checks every file against the manifest first (a damaged backup restores
 * nothing), brings the schema to the backup's version (into-empty) or checks it can take the rows
 * (replace), then in ONE transaction: recreates the partitions the backup had, empties the tables
 * being replaced, loads every table in dependency order with COPY, sets the sequences, and
 * re-applies the erasure ledger — a learner erased after the backup was taken stays erased. A
 * failed restore rolls back whole. Finally migrates to the newest schema this build knows.
 */
export async function restoreBackup(db: Db, options: RestoreOptions): Promise<RestoreOutcome> {
  const mode = options.mode ?? 'into-empty';
  const { source } = options;
  const manifest = await source.readManifest();
  const selected = selectTables(manifest, options.tables);
  if (mode === 'into-empty' && options.tables) throw new Error('restoring single tables replaces their rows: use replace mode (learnloop restore --table T --replace)');
  const { problems } = await checkBackupFiles(source, { ...manifest, tables: selected });
  if (problems.length) throw new Error(`backup ${manifest.backupId} is damaged; nothing was restored:\n  - ${problems.join('\n  - ')}`);
  if (!manifest.schemaVersion) throw new Error(`backup ${manifest.backupId} records no schema version; cannot restore it`);

  const current = await schemaVersion(db);
  if (mode === 'into-empty') {
    await assertEmpty(db);
    if (current !== manifest.schemaVersion) await migrateTo(db, manifest.schemaVersion);
  } else {
    // Migration names sort in order. The rows load by column name into the live schema, so a
    // backup from an older schema fits (a newer column takes its default); a newer one does not.
    if (current === null || current < manifest.schemaVersion) {
      throw new Error(`backup ${manifest.backupId} is from schema ${manifest.schemaVersion}, newer than the database's (${current ?? 'none'}): upgrade learnloop first`);
    }
    if (options.tables) await assertSelfContained(db, selected.map((t) => t.name));
  }

  const client = await poolOf(db).connect();
  let broken = false;
  let rows = 0;
  let reErased: string[] = [];
  try {
    await client.query('BEGIN');
    await setCopySession(client);
    for (const part of manifest.partitions) {
      if (!selected.some((t) => t.name === part.parent)) continue;
      const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [quoteIdent(part.name)]);
      if (!exists.rows[0].e) {
        await client.query(`CREATE TABLE ${quoteIdent(part.name)} PARTITION OF ${quoteIdent(part.parent)} ${part.bound}`);
      }
    }
    // No CASCADE: a table outside the restore that references one inside makes this fail (and
    // roll back) rather than be emptied with it.
    if (mode === 'replace') await client.query(`TRUNCATE ${selected.map((t) => quoteIdent(t.name)).join(', ')}`);
    for (const table of selected) {
      const copy = client.query(copyFrom(`COPY ${quoteIdent(table.name)} (${table.columns.map(quoteIdent).join(', ')}) FROM STDIN`));
      await pipeline(source.open(table.file), createGunzip(), copy);
      if (copy.rowCount !== table.rows) throw new Error(`table ${table.name}: loaded ${copy.rowCount} rows, the manifest says ${table.rows}`);
      rows += copy.rowCount;
    }
    for (const seq of manifest.sequences) {
      if (seq.lastValue === null) continue;
      const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [quoteIdent(seq.name)]);
      if (!exists.rows[0].e) continue;
      // Into an empty database: exactly where it stood. Replacing: never backwards, so an id the
      // live system handed out since is not handed out twice.
      await client.query(
        mode === 'into-empty'
          ? 'SELECT setval($1::regclass, $2::bigint, true)'
          : `SELECT setval($1::regclass, greatest($2::bigint, (SELECT last_value FROM ${quoteIdent(seq.name)})), true)`,
        [quoteIdent(seq.name), seq.lastValue],
      );
    }
    reErased = await reapplyErasureLedger(client, options.erasures ?? []);
    await client.query('COMMIT');
  } catch (error) {
    broken = true;
    await client.query('ROLLBACK').catch(() => {});
    throw new Error(`restore of ${manifest.backupId} failed and was rolled back: ${(error as Error).message}`);
  } finally {
    client.release(broken);
  }
  const migratedAfter = await migrateToLatest(db);
  // The erase path proper, for everything erasure does beyond the learners row (idempotent).
  for (const entry of await listErasures(db)) {
    if (reErased.includes(entry.learnerId)) await eraseLearner(db, entry.learnerId, entry.erasedAt);
  }
  return { backupId: manifest.backupId, mode, schemaVersion: manifest.schemaVersion, tables: selected.length, rows, reErased: reErased.length, migratedAfter };
}

/** The manifest's tables to restore, in its (dependency) order; unknown names are refused. */
function selectTables(manifest: BackupManifest, tables: readonly string[] | undefined): BackupManifest['tables'] {
  if (!tables) return manifest.tables;
  const unknown = tables.filter((t) => !manifest.tables.some((m) => m.name === t));
  if (unknown.length) throw new Error(`backup ${manifest.backupId} has no table ${unknown.join(', ')}; it has ${manifest.tables.map((t) => t.name).join(', ')}`);
  return manifest.tables.filter((t) => tables.includes(t.name));
}

/**
 * A table restored on its own must not be referenced by a table left as it is: emptying it would
 * fail, or — with ON DELETE CASCADE — take the other table's rows along. Name both.
 */
async function assertSelfContained(db: Db, tables: string[]): Promise<void> {
  const { rows } = await sql<{ referencing: string; referenced: string }>`
    SELECT c.relname AS referencing, r.relname AS referenced
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = r.relnamespace
    WHERE k.contype = 'f' AND n.nspname = current_schema() AND r.relname = ANY(${tables}::text[]) AND c.relname <> r.relname`.execute(db);
  const outside = rows.filter((r) => !tables.includes(r.referencing));
  if (outside.length) {
    throw new Error(
      `table ${outside.map((r) => `${r.referenced} is referenced by ${r.referencing}`).join(', ')}: restore them together (--table ${[...new Set([...tables, ...outside.map((r) => r.referencing)])].join(' --table ')})`,
    );
  }
}

/** Refuses a database that holds any row in any table (migration bookkeeping aside). */
async function assertEmpty(db: Db): Promise<void> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname NOT LIKE 'kysely_migration%'`.execute(db);
  for (const { name } of tables) {
    const { rows } = await sql<{ any: boolean }>`SELECT EXISTS (SELECT 1 FROM ${sql.table(name)}) AS any`.execute(db);
    if (rows[0]!.any) {
      throw new Error(`the target database is not empty (table ${name} has rows): restore only into an empty database, e.g. a new one made with CREATE DATABASE, or replace with --replace`);
    }
  }
}
