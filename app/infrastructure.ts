import { join } from 'node:path';
import type { Config } from '../core/config/config-schema.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { type Logger, redactUrl } from '../observability/logger.js';
import { claimDataDir } from './data-dir-lock.js';
import { findFreePort } from './free-port.js';
import { startLocalRedis } from './local-redis.js';

export interface Infrastructure {
  redisUrl: string;
  databaseUrl: string;
  /** Stops the servers this process started (none when both URLs were given, or when it attached). */
  stop(): Promise<void>;
}

/**
 * REDIS_URL and DATABASE_URL when set; otherwise the local redis-server and embedded PostgreSQL of
 * DATA_DIR, with their data there so a restart finds everything where it was. When another live
 * learnloop process already runs them (`npm start`, then `learnloop backup` on the same DATA_DIR),
 * this process attaches to them and leaves them running when it exits (app/data-dir-lock.ts).
 */
export async function provideInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  if (config.REDIS_URL && config.DATABASE_URL) return { redisUrl: config.REDIS_URL, databaseUrl: config.DATABASE_URL, stop: async () => {} };

  const ownership = await claimDataDir(config.DATA_DIR);
  if (ownership.kind === 'attached') {
    const { record } = ownership;
    const redisUrl = config.REDIS_URL ?? record.redisUrl;
    const databaseUrl = config.DATABASE_URL ?? record.databaseUrl;
    if (!redisUrl || !databaseUrl) {
      throw new Error(
        `DATA_DIR ${config.DATA_DIR} belongs to learnloop pid ${record.pid}, which runs no local ${redisUrl ? 'PostgreSQL' : 'Redis'}: ` +
          `set ${redisUrl ? 'DATABASE_URL' : 'REDIS_URL'}, or use a DATA_DIR of its own`,
      );
    }
    logger.info({ ownerPid: record.pid, redis: redactUrl(redisUrl), database: redactUrl(databaseUrl) }, 'attached to the servers of the learnloop running on this DATA_DIR');
    return { redisUrl, databaseUrl, stop: async () => {} };
  }

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    ownership.release();
  };
  try {
    let redisUrl = config.REDIS_URL;
    let ownRedis: string | undefined;
    if (!redisUrl) {
      const redis = await startLocalRedis({ dataDir: join(config.DATA_DIR, 'redis'), port: await findFreePort() });
      stops.push(redis.stop);
      redisUrl = ownRedis = redis.url;
      logger.info({ url: redactUrl(redisUrl), dataDir: join(config.DATA_DIR, 'redis') }, 'started local redis-server (AOF on, noeviction)');
    }
    let databaseUrl = config.DATABASE_URL;
    let ownDatabase: string | undefined;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: join(config.DATA_DIR, 'postgres'), port: await findFreePort() });
      stops.push(pg.stop);
      databaseUrl = ownDatabase = pg.url;
      logger.info({ url: redactUrl(databaseUrl), dataDir: join(config.DATA_DIR, 'postgres') }, 'started embedded PostgreSQL');
    }
    // Only the servers this process runs are published: a URL from the environment is not DATA_DIR's.
    ownership.publish({ redisUrl: ownRedis, databaseUrl: ownDatabase });
    return { redisUrl, databaseUrl, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
