import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { findFreePort } from '../app/free-port.js';
import { startLocalRedis } from '../app/local-redis.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { PG_STATS_FLAGS, PgStatsProbe } from './support/pg-stats.js';

export interface BenchInfrastructure {
  redisUrl: string;
  createDatabase(name: string): Promise<string>;
  redisVersion: string;
  postgresVersion: string;
  /** For CPU accounting (bench/support/cpu-meter.ts). */
  pids: { redis?: number; postmaster?: number };
  /** Empties Redis between benchmarks, so one benchmark's leftovers do not slow the next. */
  flushRedis(): Promise<void>;
  /** With `pgStats`: pg_stat_statements, read from the bench's admin database. */
  pgStats?: PgStatsProbe;
  stop(): Promise<void>;
}

/**
 * The bench's own redis-server (production settings: AOF everysec, noeviction) and embedded
 * PostgreSQL, on free ports, with their data under `scratchDir`. Never a server someone else uses.
 */
export async function startBenchInfrastructure(scratchDir: string, options: { pgStats?: boolean } = {}): Promise<BenchInfrastructure> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const redis = await startLocalRedis({ dataDir: join(scratchDir, 'redis'), port: await findFreePort(), persistent: true });
    stops.push(redis.stop);
    const postgres = await startEmbeddedPostgres({
      dataDir: join(scratchDir, 'postgres'),
      port: await findFreePort(),
      persistent: false,
      database: 'bench',
      ...(options.pgStats ? { postgresFlags: PG_STATS_FLAGS } : {}),
    });
    stops.push(postgres.stop);
    const pgStats = options.pgStats ? await PgStatsProbe.open(postgres.url) : undefined;
    if (pgStats) stops.push(() => pgStats.close());

    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => {});
    stops.push(async () => void admin.disconnect());
    const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown';

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const postgresVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    await client.end();

    // The postmaster writes its pid on the first line of postmaster.pid in its data directory.
    const postmaster = Number(readFileSync(join(scratchDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

    return {
      redisUrl: redis.url,
      pids: { redis: redis.process.pid, postmaster: Number.isInteger(postmaster) ? postmaster : undefined },
      createDatabase: async (name) => {
        await postgres.createDatabase(name);
        return postgres.urlFor(name);
      },
      redisVersion,
      postgresVersion,
      flushRedis: async () => void (await admin.flushall()),
      ...(pgStats ? { pgStats } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
