import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { type Db, poolOf } from '../database.js';
import { schemaVersion } from '../migrate.js';
import { completeBackupRow, failBackupRow, startBackupRow } from '../queries/backups.js';
import { newBackupId } from './backup-id.js';
import type { BackupStore, BackupWriting } from './backup-store.js';
import { quoteIdent, setCopySession } from './copy-session.js';
import { DigestStream, RowCountStream } from './file-digest.js';
import { type BackupManifest, manifestFormat } from './manifest.js';
import { tableInventory } from './table-inventory.js';

export interface BackupSummary {
  backupId: string;
  path: string;
  manifest: BackupManifest;
  bytes: number;
  rows: number;
}

/**
 * A logical backup of every table (see tableInventory): one gzip-compressed COPY text file per
 * table, all read in ONE repeatable-read snapshot so the files agree with each other, plus a
 * manifest with row counts and SHA-256 per file, written last into the backup store
 * (db/backup/backup-store.ts), so a backup with a manifest is complete. No pg_dump: works the
 * same against embedded PostgreSQL and a managed server. Recorded in the backups catalogue.
 */
export async function createBackup(db: Db, options: { store: BackupStore; backupId?: string; clock: () => Date }): Promise<BackupSummary> {
  const startedAt = options.clock();
  const backupId = options.backupId ?? newBackupId(startedAt);
  const location = options.store.locationOf(backupId);
  await startBackupRow(db, backupId, location, startedAt);
  let writing: BackupWriting | undefined;
  try {
    writing = await options.store.begin(backupId);
    const version = await schemaVersion(db);
    const manifest = await dumpTables(db, writing, { backupId, createdAt: startedAt.toISOString(), schemaVersion: version });
    await writing.finish(manifest);
    const bytes = await options.store.sizeOf(backupId);
    await completeBackupRow(db, backupId, manifest, bytes, options.clock());
    return { backupId, path: location, manifest, bytes, rows: manifest.tables.reduce((sum, t) => sum + t.rows, 0) };
  } catch (error) {
    await writing?.abort().catch(() => {});
    await failBackupRow(db, backupId, (error as Error).message, options.clock()).catch(() => {});
    throw error;
  }
}

async function dumpTables(
  db: Db,
  writing: BackupWriting,
  header: Pick<BackupManifest, 'backupId' | 'createdAt' | 'schemaVersion'>,
): Promise<BackupManifest> {
  const client = await poolOf(db).connect();
  let broken = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await setCopySession(client);
    const tables = await tableInventory(client);
    const { rows: partitions } = await client.query<{ parent: string; name: string; bound: string }>(`
      SELECT p.relname AS parent, c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent
      JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE n.nspname = current_schema() AND c.relispartition AND c.relkind IN ('r', 'p')
      ORDER BY p.relname, c.relname`);
    const { rows: sequences } = await client.query<{ name: string; last_value: string | null }>(`
      SELECT sequencename AS name, last_value::text AS last_value FROM pg_sequences
      WHERE schemaname = current_schema() ORDER BY sequencename`);
    const { rows: server } = await client.query<{ v: string }>('SELECT version() AS v');

    const entries: BackupManifest['tables'] = [];
    for (const [index, table] of tables.entries()) {
      const file = `${String(index + 1).padStart(2, '0')}-${table.name}.copy.gz`;
      const columns = table.columns.map(quoteIdent).join(', ');
      const counter = new RowCountStream();
      const digest = new DigestStream();
      await pipeline(
        client.query(copyTo(`COPY (SELECT ${columns} FROM ${quoteIdent(table.name)}) TO STDOUT`)),
        counter,
        createGzip({ level: 6 }),
        digest,
        writing.sink(file),
      );
      entries.push({ name: table.name, file, columns: table.columns, rows: counter.rows, bytes: digest.bytes, sha256: digest.hex() });
    }
    await client.query('COMMIT');
    return {
      format: manifestFormat,
      ...header,
      serverVersion: server[0]!.v,
      tables: entries,
      partitions,
      sequences: sequences.map((s) => ({ name: s.name, lastValue: s.last_value })),
    };
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A connection that failed mid-COPY is in an unknown state: destroy it rather than reuse it.
    client.release(broken);
  }
}
