import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// int8 (bigserial, count(*)) arrives as a string by default; counts in this system stay far below
// 2^53, so parse them as numbers once here rather than at every call site.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  /** Abort any statement that runs longer than this (ms); keeps a stuck query from pinning a job. */
  statementTimeoutMs?: number;
}

export function createDatabase({ url, poolSize = 10, statementTimeoutMs = 30_000 }: DatabaseOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    statement_timeout: statementTimeoutMs,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (Postgres restart) emits 'error' on the pool; without a
  // listener Node would crash the process. The next query simply gets a fresh connection.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
