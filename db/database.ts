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
  // DANGEROUS SPOT (found by the fault suite): pg-pool removes its own error listener from a client
  // while it is checked out, and kysely adds none. A Postgres shutdown sends every connection a
  // FATAL; one that arrives while a client is checked out between queries (inside a transaction)
  // becomes an unhandled 'error' event and kills the process. With this listener the error only
  // fails the transaction's next query (the job retries), and pg-pool discards the dead client.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

/**
 * The pg pool under a Db made by createDatabase, for the few callers that need a raw client:
 * COPY streams (db/backup). Everything else goes through kysely.
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this Db was not made by createDatabase (no pg pool known)');
  return pool;
}

/**
 * Postgres that is down or going away: errors from the pg driver or its pool (ECONNREFUSED looks
 * the same for both servers, so the origin decides), or the server's own shutdown messages. The
 * ingress answers 503 for these; a worker batch does not retry its sessions one by one against them.
 */
export function isDatabaseUnavailable(error: Error): boolean {
  if (/[\\/]node_modules[\\/](pg|pg-pool)[\\/]/.test(error.stack ?? '') && /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect/i.test(error.message)) {
    return true;
  }
  return /the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command|Connection terminated unexpectedly|timeout exceeded when trying to connect/i.test(error.message);
}
