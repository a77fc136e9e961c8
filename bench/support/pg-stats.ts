import pg from 'pg';

/**
 * `--pg-stats` (bench/README.md): where PostgreSQL spends its time, statement by statement, read
 * from pg_stat_statements. The extension is preloaded only for such a run (it costs a little on
 * every statement), so a normal bench measures the server as production runs it.
 *
 * Snapshots are taken at the same moments as the CPU snapshots of a measured drain, and the
 * difference is what the drain's statements did: the view is shared memory, updated as each
 * statement ends, so nothing lags behind (unlike pg_stat_user_tables, flushed up to 10 s late).
 */
export const PG_STATS_FLAGS = [
  '-c', 'shared_preload_libraries=pg_stat_statements',
  '-c', 'pg_stat_statements.track_planning=on',
  '-c', 'pg_stat_statements.max=5000',
];

export interface StatementStats {
  query: string;
  calls: number;
  execMs: number;
  planMs: number;
  rows: number;
  sharedHit: number;
  sharedRead: number;
  sharedDirtied: number;
  sharedWritten: number;
  walRecords: number;
  walFpi: number;
  walBytes: number;
}

/** Statements by (database, user, query id, top level). */
export type PgStatsSnapshot = Map<string, StatementStats>;

const numericFields = [
  'calls', 'execMs', 'planMs', 'rows', 'sharedHit', 'sharedRead', 'sharedDirtied', 'sharedWritten', 'walRecords', 'walFpi', 'walBytes',
] as const;

export class PgStatsProbe {
  private constructor(private readonly client: pg.Client) {}

  /** Connects to `url` and installs the extension there: the view shows every database's statements but this one's (the probe's own). */
  static async open(url: string): Promise<PgStatsProbe> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return new PgStatsProbe(client);
  }

  async snapshot(): Promise<PgStatsSnapshot> {
    const { rows } = await this.client.query<Record<string, string>>(
      `SELECT dbid::text || ':' || userid::text || ':' || queryid::text || ':' || toplevel::text AS key, query,
              calls, total_exec_time AS "execMs", total_plan_time AS "planMs", rows,
              shared_blks_hit AS "sharedHit", shared_blks_read AS "sharedRead",
              shared_blks_dirtied AS "sharedDirtied", shared_blks_written AS "sharedWritten",
              wal_records AS "walRecords", wal_fpi AS "walFpi", wal_bytes AS "walBytes"
         FROM pg_stat_statements
        WHERE dbid <> (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const snapshot: PgStatsSnapshot = new Map();
    for (const row of rows) {
      const stats = { query: row.query! } as StatementStats;
      for (const field of numericFields) stats[field] = Number(row[field]);
      snapshot.set(row.key!, stats);
    }
    return snapshot;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** What happened between two snapshots (statements with no new calls left out). */
export function pgStatsDelta(before: PgStatsSnapshot, after: PgStatsSnapshot): PgStatsSnapshot {
  const delta: PgStatsSnapshot = new Map();
  for (const [key, now] of after) {
    const then = before.get(key);
    const d = { query: now.query } as StatementStats;
    for (const field of numericFields) d[field] = now[field] - (then?.[field] ?? 0);
    if (d.calls > 0) delta.set(key, d);
  }
  return delta;
}

export function addPgStats(a: PgStatsSnapshot, b: PgStatsSnapshot): PgStatsSnapshot {
  const sum: PgStatsSnapshot = new Map(a);
  for (const [key, s] of b) {
    const prior = sum.get(key);
    if (!prior) {
      sum.set(key, { ...s });
      continue;
    }
    const merged = { query: s.query } as StatementStats;
    for (const field of numericFields) merged[field] = prior[field] + s[field];
    sum.set(key, merged);
  }
  return sum;
}

const oneLine = (query: string, max = 110) => {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/**
 * Notes for a report: the totals per unit (statements, exec + plan ms, blocks dirtied/written, WAL
 * records, full-page images and bytes), then the `top` statements by total exec time, each per unit.
 */
export function describePgStatsPer(stats: PgStatsSnapshot, units: number, unit: string, top = 8): string[] {
  const all = [...stats.values()];
  const total = (field: (typeof numericFields)[number]) => all.reduce((sum, s) => sum + s[field], 0);
  const per = (x: number, digits = 3) => (x / units).toFixed(digits);
  const lines = [
    `pg_stat_statements per ${unit}: ${per(total('calls'), 2)} statements, exec ${per(total('execMs'))} ms + plan ${per(total('planMs'))} ms, ` +
      `${per(total('rows'), 1)} rows, shared blocks hit ${per(total('sharedHit'), 1)} / dirtied ${per(total('sharedDirtied'), 2)} / ` +
      `written ${per(total('sharedWritten'), 2)}, WAL ${per(total('walRecords'), 1)} records, ${per(total('walFpi'), 2)} full-page images, ` +
      `${Math.round(total('walBytes') / units)} bytes`,
  ];
  for (const s of all.sort((x, y) => y.execMs - x.execMs).slice(0, top)) {
    lines.push(
      `  ${per(s.execMs)} ms exec + ${per(s.planMs)} plan per ${unit} (${(s.execMs / Math.max(1, s.calls)).toFixed(3)} ms/call), ` +
        `${per(s.calls, 3)} calls, ${per(s.rows, 1)} rows, dirtied ${per(s.sharedDirtied, 2)}, WAL ${per(s.walRecords, 1)} rec / ` +
        `${per(s.walFpi, 2)} FPI / ${Math.round(s.walBytes / units)} B: ${oneLine(s.query)}`,
    );
  }
  return lines;
}

/**
 * Per table of the benchmark's database: rows inserted, updated (of which HOT: no index touched),
 * deleted, its indexes and their size, and the average row size. Cumulative over the whole
 * benchmark (fixtures and warm-up included): backends report these counters when a transaction
 * ends at most once a second, or 10 s after going idle, so read them once the system under test
 * has closed its connections, which flushes them.
 */
export async function describeTableStats(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; ins: string; upd: string; hot: string; del: string; indexes: number; index_kb: string; row_bytes: string | null }>(
      `SELECT t.relname AS name, t.n_tup_ins AS ins, t.n_tup_upd AS upd, t.n_tup_hot_upd AS hot, t.n_tup_del AS del,
              (SELECT count(*)::int FROM pg_index i WHERE i.indrelid = t.relid) AS indexes,
              pg_indexes_size(t.relid) / 1024 AS index_kb,
              CASE WHEN t.n_live_tup > 0 THEN pg_table_size(t.relid) / t.n_live_tup END AS row_bytes
         FROM pg_stat_user_tables t
        WHERE t.n_tup_ins + t.n_tup_upd + t.n_tup_del > 0
        ORDER BY t.n_tup_ins + t.n_tup_upd + t.n_tup_del DESC`,
    );
    return [
      'tables (whole benchmark, fixtures included): ' +
        rows
          .map((r) => `${r.name} ins ${r.ins} upd ${r.upd} (HOT ${r.hot}) del ${r.del}, ${r.indexes} indexes ${r.index_kb} kB, ~${r.row_bytes ?? '?'} B/row on disk`)
          .join('; '),
    ];
  } finally {
    await client.end();
  }
}
