import { join } from 'node:path';
import type { Config } from '../core/config/config-schema.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { type Logger, redactUrl } from '../observability/logger.js';
import { findFreePort } from './free-port.js';
import { startLocalRedis } from './local-redis.js';

export interface Infrastructure {
  redisUrl: string;
  databaseUrl: string;
  /** Stops the servers this process started (none when both URLs were given). */
  stop(): Promise<void>;
}

/**
 * REDIS_URL and DATABASE_URL when set; otherwise a local redis-server and an embedded PostgreSQL,
 * with their data under DATA_DIR so a restart finds everything where it was.
 */
export async function provideInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const stops: (() => Promise<void>)[] = [];
  try {
    let redisUrl = config.REDIS_URL;
    if (!redisUrl) {
      const redis = await startLocalRedis({ dataDir: join(config.DATA_DIR, 'redis'), port: await findFreePort() });
      stops.push(redis.stop);
      redisUrl = redis.url;
      logger.info({ url: redisUrl, dataDir: join(config.DATA_DIR, 'redis') }, 'started local redis-server (AOF on, noeviction)');
    }
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: join(config.DATA_DIR, 'postgres'), port: await findFreePort() });
      stops.push(pg.stop);
      databaseUrl = pg.url;
      logger.info({ url: redactUrl(databaseUrl), dataDir: join(config.DATA_DIR, 'postgres') }, 'started embedded PostgreSQL');
    }
    return {
      redisUrl,
      databaseUrl,
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw error;
  }
}
