import { sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * Monthly partitions of decision_insights (UTC months, named decision_insights_pYYYY_MM). They are
 * made ahead of time so traces land in their month and retention can drop a whole month at once;
 * a trace for a month without a partition falls into the DEFAULT partition, and the partition
 * function (migration 0002) moves such rows when their month is created later.
 */

/** First instant (UTC) of the month holding `date`, as YYYY-MM-01. */
export function monthKey(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

/** The month keys from the month of `from` through `monthsAhead` months later. */
export function monthsFrom(from: Date, monthsAhead: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i <= monthsAhead; i++) {
    keys.push(monthKey(new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + i, 1))));
  }
  return keys;
}

/** Creates the partitions of these months that are missing; returns the months it created. */
export async function ensureDecisionInsightPartitions(db: Db, months: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  // One month per statement: each is its own short transaction, so a move of default-partition
  // rows holds the table lock only for that month.
  for (const month of [...new Set(months)].sort()) {
    const { rows } = await sql<{ created: boolean }>`SELECT decision_insights_ensure_partition(${month}::date) AS created`.execute(db);
    if (rows[0]?.created) created.push(month);
  }
  return created;
}

/**
 * Retention for decision insights: drops every monthly partition that ends on or before `cutoff`
 * (a whole month at a time, no row-by-row delete, no bloat), and deletes the rows older than
 * `cutoff` that sit in the DEFAULT partition. Returns the partitions dropped and rows deleted.
 */
export async function dropDecisionInsightsBefore(db: Db, cutoff: Date): Promise<{ partitions: string[]; defaultRows: number }> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'decision_insights'::regclass AND c.relname ~ '^decision_insights_p[0-9]{4}_[0-9]{2}$'`.execute(db);
  const dropped: string[] = [];
  for (const { name } of rows.sort((a, b) => a.name.localeCompare(b.name))) {
    const [year, month] = name.slice('decision_insights_p'.length).split('_').map(Number);
    const end = Date.UTC(year!, month!, 1); // first instant of the following month
    if (end > cutoff.getTime()) continue;
    await sql`DROP TABLE ${sql.table(name)}`.execute(db);
    dropped.push(name);
  }
  const deleted = await sql`DELETE FROM decision_insights_default WHERE created_at < ${cutoff}`.execute(db);
  return { partitions: dropped, defaultRows: Number(deleted.numAffectedRows ?? 0) };
}
