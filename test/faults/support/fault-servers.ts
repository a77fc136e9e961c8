import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findFreePort } from '../../../app/free-port.js';
import { startLocalRedis } from '../../../app/local-redis.js';
import { startEmbeddedPostgres } from '../../../db/embedded-postgres.js';

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

/** A server that keeps its data directory across stop/start; `dispose` also removes the directory. */
async function restartable(dir: string, launch: () => Promise<{ url: string; stop(): Promise<void> }>) {
  let handle: { url: string; stop(): Promise<void> } | undefined = await launch();
  return {
    url: handle.url,
    async stop() {
      await handle?.stop();
      handle = undefined;
    },
    async start() {
      handle = await launch();
    },
    async dispose() {
      await handle?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function restartableRedis(): Promise<RestartableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'learnloop-fault-redis-'));
  const port = await findFreePort();
  return restartable(dir, () => startLocalRedis({ dataDir: dir, port, persistent: true }));
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
  const port = await findFreePort();
  const database = `fault_${randomUUID().slice(0, 8)}`;
  return restartable(dir, () => startEmbeddedPostgres({ dataDir: join(dir, 'data'), port, database, persistent: true }));
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
