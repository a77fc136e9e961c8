import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findFreePort } from '../../../app/free-port.js';
import { type LocalRedisHandle, startLocalRedis } from '../../../app/local-redis.js';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../../db/embedded-postgres.js';

/**
 * Servers a scenario owns because it stops and restarts them: they keep their data directory and
 * port across restarts, exactly as a production server coming back would.
 */
export interface RestartableRedis {
  url: string;
  /** SIGTERM (Redis writes its AOF and exits), as an operator or an orchestrator would stop it. */
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function restartableRedis(): Promise<RestartableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'learnloop-fault-redis-'));
  const port = await findFreePort();
  const start = () => startLocalRedis({ dataDir: dir, port, persistent: true });
  let handle: LocalRedisHandle | undefined = await start();
  return {
    url: handle.url,
    async stop() {
      await handle?.stop();
      handle = undefined;
    },
    async start() {
      handle = await start();
    },
    async dispose() {
      await handle?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RestartablePostgres {
  /** postgres://…/<database> */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function restartablePostgres(): Promise<RestartablePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'learnloop-fault-pg-'));
  chmodSync(dir, 0o711); // as root, Postgres runs as `postgres` and must reach its data directory
  const port = await findFreePort();
  const database = `fault_${randomUUID().slice(0, 8)}`;
  const start = () => startEmbeddedPostgres({ dataDir: join(dir, 'data'), port, database, persistent: true });
  let handle: EmbeddedPostgresHandle | undefined = await start();
  return {
    url: handle.url,
    async stop() {
      await handle?.stop();
      handle = undefined;
    },
    async start() {
      handle = await start();
    },
    async dispose() {
      await handle?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One query on a short-lived connection (the scenarios count rows while servers come and go). */
export async function queryRows<R extends pg.QueryResultRow>(databaseUrl: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}
