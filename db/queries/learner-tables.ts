import { sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * Every table that holds rows about a learner: all tables of the schema with a `user_id` column
 * (partitioned tables once, not their partitions), with `learners` last. Discovered from the
 * catalogue rather than listed, so a table added by a later migration is exported and purged
 * without anyone remembering to add it here. (audit_log has no user_id: it is kept.)
 */
export async function learnerOwnedTables(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY (c.relname = 'learners'), c.relname`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * The plain tables that physically hold a table's rows: its leaf partitions when it is
 * partitioned, else the table itself. Batched deletes address rows by ctid, which is only unique
 * within one physical table.
 */
export async function physicalTables(db: Db, table: string): Promise<string[]> {
  // pg_partition_tree lists nothing for a plain table: that table is its own storage.
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name
    FROM pg_partition_tree(${table}::regclass) t
    JOIN pg_class c ON c.oid = t.relid
    WHERE t.isleaf
    ORDER BY c.relname`.execute(db);
  return rows.length > 0 ? rows.map((r) => r.name) : [table];
}

/** Every row of one learner in one table, for the GDPR export. */
export async function learnerRows(db: Db, table: string, userId: string): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} WHERE user_id = ${userId} ORDER BY 1`.execute(db);
  return rows;
}
