import type pg from 'pg';

export interface TableInfo {
  name: string;
  /** Stored columns in table order (generated columns are left out: Postgres computes them). */
  columns: string[];
}

/**
 * Tables a logical backup carries: every table of the schema except
 * - the migration bookkeeping (restore rebuilds it by migrating);
 * - the backups catalogue and the Postgres backup store (they would hold this very backup
 *   half-written, and earlier backups inside each later one);
 * - GDPR export bundles (personal data kept 7 days; a restore must not bring them back);
 * - the erasure ledger: it is never rolled back — a restore re-applies the live one
 *   (db/backup/restore-backup.ts), so an erasure made after a backup survives restoring it.
 */
export const tablesNotBackedUp: readonly string[] = ['kysely_migration', 'kysely_migration_lock', 'backups', 'backup_files', 'learner_exports', 'erasure_ledger'];

/**
 * The backed-up tables in restore order: a table comes after every table its foreign keys
 * reference, so rows can be loaded table by table with the constraints on. Partitioned tables
 * appear once (their partitions are listed separately in the manifest).
 */
export async function tableInventory(client: pg.ClientBase): Promise<TableInfo[]> {
  const { rows } = await client.query<{ name: string; columns: string[]; depends_on: string[] }>(`
    SELECT c.relname AS name,
      array(SELECT a.attname::text FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY a.attnum) AS columns,
      array(SELECT DISTINCT r.relname::text FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid
            WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid <> c.oid) AS depends_on
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname`);
  const tables = rows.filter((r) => !tablesNotBackedUp.includes(r.name));
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  const names = new Set(tables.map((t) => t.name));
  while (ordered.length < tables.length) {
    const ready = tables.filter((t) => !placed.has(t.name) && t.depends_on.every((d) => placed.has(d) || !names.has(d)));
    // A foreign-key cycle (none today) would leave nothing ready: fail rather than write a
    // backup that cannot be restored.
    if (ready.length === 0) throw new Error(`foreign-key cycle among ${tables.filter((t) => !placed.has(t.name)).map((t) => t.name).join(', ')}`);
    for (const t of ready) {
      ordered.push({ name: t.name, columns: t.columns });
      placed.add(t.name);
    }
  }
  return ordered;
}
