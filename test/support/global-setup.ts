import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort } from '../../app/free-port.js';
import { startLocalRedis } from '../../app/local-redis.js';
import { startLocalRedisCluster } from '../../app/local-redis-cluster.js';
import { startEmbeddedPostgres } from '../../db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://…`, or `redis+cluster://…` when the run is on a Redis Cluster. */
    redisUrl: string;
    /** True when LEARNLOOP_TEST_REDIS=cluster: test files must hash-tag their queue prefixes. */
    redisCluster: boolean;
    /** postgres://…/ without a database name: each test file creates its own database. */
    postgresBaseUrl: string;
  }
}

/**
 * Starts one real redis-server and one embedded PostgreSQL for the whole run, on free ports, in a
 * scratch directory removed afterwards. Test files isolate themselves with their own queue prefix
 * and their own database (test/support/test-system.ts).
 *
 * `LEARNLOOP_TEST_REDIS=cluster` starts a real 3-master Redis Cluster instead of the one server
 * (app/local-redis-cluster.ts): the same tests then run through ioredis' Cluster client, each file
 * on its own hash-tagged prefix, so the files' queues spread over the three masters.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'learnloop-test-'));
  const onCluster = process.env.LEARNLOOP_TEST_REDIS === 'cluster';
  const redis = onCluster
    ? await startLocalRedisCluster({ dataDir: join(dir, 'redis-cluster'), masters: 3 })
    : await startLocalRedis({ dataDir: join(dir, 'redis'), port: await findFreePort(), persistent: false });
  const postgres = await startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), port: await findFreePort(), persistent: false });
  project.provide('redisUrl', redis.url);
  project.provide('redisCluster', onCluster);
  project.provide('postgresBaseUrl', postgres.urlFor(''));
  return async () => {
    await Promise.allSettled([redis.stop(), postgres.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}
