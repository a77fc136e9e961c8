import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort } from '../../app/free-port.js';
import { startLocalRedis } from '../../app/local-redis.js';
import { startEmbeddedPostgres } from '../../db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** postgres://…/ without a database name: each test file creates its own database. */
    postgresBaseUrl: string;
  }
}

/**
 * Starts one real redis-server and one embedded PostgreSQL for the whole run, on free ports, in a
 * scratch directory removed afterwards. Test files isolate themselves with their own queue prefix
 * and their own database (test/support/test-system.ts).
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'learnloop-test-'));
  const [redisPort, pgPort] = [await findFreePort(), await findFreePort()];
  const redis = await startLocalRedis({ dataDir: join(dir, 'redis'), port: redisPort, persistent: false });
  const postgres = await startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), port: pgPort, persistent: false });
  project.provide('redisUrl', redis.url);
  project.provide('postgresBaseUrl', postgres.urlFor(''));
  return async () => {
    await Promise.allSettled([redis.stop(), postgres.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}
