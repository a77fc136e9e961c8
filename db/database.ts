import { Kysely, PostgresDialect, sql } from 'kysely';
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
  pool.on('connect', (client) => {
    client.on('error', () => {});
    runMarkedStatementsPrepared(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

const PREPARED_MARK = '/* prepared */';

/**
 * Put first in a statement (sql`${PREPARED} WITH …`) to run it as a named prepared statement:
 * Postgres parses and analyses it once per connection and, after five executions, plans it once
 * too (a generic plan, when that costs no more than the custom ones did), instead of all three on
 * every call. Measured with `npm run bench -- --pg-stats` (bench/README.md): planning was 0.21 ms
 * of the 1.45 ms PostgreSQL CPU per feedback session, 1.5 ms per batch statement.
 * Only for statements whose text is the same whatever the input (arrays or JSON as parameters),
 * hot enough to pay back a prepared statement held by every connection, and with an explicit
 * result (no `SELECT *` of a table, which a later ALTER TABLE would make fail as "cached plan
 * must not change result type").
 */
export const PREPARED = sql.raw(PREPARED_MARK);

/** Statement name per text: the same text is one prepared statement on each connection. */
const preparedNames = new Map<string, string>();

/**
 * Wraps a pool client's `query` so that statements starting with PREPARED go as named queries;
 * pg parses a name once per connection and only binds it afterwards. Kysely calls
 * `query(text, values)`; every other call passes through unchanged.
 */
function runMarkedStatementsPrepared(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && text.startsWith(PREPARED_MARK) && args.length <= 2) {
      let name = preparedNames.get(text);
      if (name === undefined) {
        name = `ll_${preparedNames.size}`;
        preparedNames.set(text, name);
      }
      return query({ name, text, values });
    }
    return query(...args);
  };
}

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
