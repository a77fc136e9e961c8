import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { from as copyFrom } from 'pg-copy-streams';
import { type Db, poolOf } from '../database.js';
import type { BackupSource } from './backup-store.js';
import { checkBackupFiles } from './check-backup-files.js';
import { quoteIdent, setCopySession } from './copy-session.js';
import type { BackupManifest } from './manifest.js';

export interface VerifyOutcome {
  ok: boolean;
  problems: string[];
  tables: number;
}

/**
 * Verifies a backup the way a restore would use it: the manifest parses (and agrees with the one
 * the catalogue recorded, when given), every file matches its checksum, and every table loads:
 * its file is COPYed into a scratch schema (tables made LIKE the live ones, with their
 * constraints) and the rows counted against the manifest. The scratch schema lives inside one
 * transaction that is always rolled back, so nothing is left behind even if the process dies —
 * and it needs no second database, so it works on managed Postgres too.
 */
export async function verifyBackup(db: Db, options: { source: BackupSource; cataloguedManifest?: BackupManifest | null }): Promise<VerifyOutcome> {
  let manifest: BackupManifest;
  try {
    manifest = await options.source.readManifest();
  } catch (error) {
    return { ok: false, problems: [(error as Error).message], tables: 0 };
  }
  const problems: string[] = [];
  const recorded = options.cataloguedManifest;
  if (recorded) {
    for (const table of recorded.tables) {
      const onDisk = manifest.tables.find((t) => t.name === table.name);
      if (!onDisk || onDisk.sha256 !== table.sha256 || onDisk.rows !== table.rows) {
        problems.push(`manifest.json disagrees with the catalogue about table ${table.name}: the manifest was changed after the backup`);
      }
    }
  }
  const files = await checkBackupFiles(options.source, manifest);
  problems.push(...files.problems);

  const client = await poolOf(db).connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await setCopySession(client);
    const scratch = `backup_verify_${manifest.backupId.replace(/\W/g, '_').toLowerCase()}`.slice(0, 63);
    await client.query(`CREATE SCHEMA ${quoteIdent(scratch)}`);
    const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
    const live = rows[0]!.schema;
    for (const table of manifest.tables) {
      if (!files.intact.has(table.name)) continue;
      await client.query('SAVEPOINT one_table');
      try {
        const target = `${quoteIdent(scratch)}.${quoteIdent(table.name)}`;
        // Columns, NOT NULL and CHECK constraints: what decides whether the rows load. No indexes
        // (the checksum already vouches for the rows being the ones dumped) and no WAL: fast.
        await client.query(`CREATE UNLOGGED TABLE ${target} (LIKE ${quoteIdent(live)}.${quoteIdent(table.name)} INCLUDING CONSTRAINTS)`);
        await pipeline(
          options.source.open(table.file),
          createGunzip(),
          client.query(copyFrom(`COPY ${target} (${table.columns.map(quoteIdent).join(', ')}) FROM STDIN`)),
        );
        const counted = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${target}`);
        if (counted.rows[0]!.n !== table.rows) {
          problems.push(`${table.file} (table ${table.name}): restored ${counted.rows[0]!.n} rows, the manifest says ${table.rows}`);
        }
        await client.query('RELEASE SAVEPOINT one_table');
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT one_table');
        problems.push(`${table.file} (table ${table.name}): test restore failed: ${(error as Error).message}`);
      }
    }
    await client.query('ROLLBACK');
  } catch (error) {
    broken = true;
    problems.push(`test restore could not run: ${(error as Error).message}`);
  } finally {
    client.release(broken);
  }
  return { ok: problems.length === 0, problems, tables: manifest.tables.length };
}
