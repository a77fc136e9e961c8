import type { Cluster, Redis } from 'ioredis';
import { provideInfrastructure } from '../../app/infrastructure.js';
import type { Config } from '../../core/config/config-schema.js';
import { ReadThroughCache } from '../../db/cache/read-through-cache.js';
import { type Db, createDatabase } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import { Producer } from '../../pipelines/producer.js';
import { createRedisConnection, waitForRedis } from '../../pipelines/redis-connection.js';

/** What an operator command works with: the running system's Postgres, Redis and queues. */
export interface OperatorConnection {
  config: Config;
  db: Db;
  /** Fails fast when Redis is away (producer role): a command reports it, never hangs. */
  redis: Redis | Cluster;
  producer: Producer;
  /** The system's read cache: invalidations and clears reach every running process's L1. */
  cache: ReadThroughCache;
  close(): Promise<void>;
}

/**
 * THE one place where an operator command (cli/commands/) finds the system it works on: REDIS_URL
 * and DATABASE_URL, or — through provideInfrastructure, the same function `npm start` uses — the
 * servers for DATA_DIR. Everything that changes how a command reaches a running system (attaching
 * to a running DATA_DIR's embedded servers, say) belongs here, so every command gets it at once.
 *
 * Nothing is migrated: a command reads and writes the schema the running system has.
 */
export async function connectToSystem(config: Config, logger: Logger, options: { tolerateRedisDown?: boolean } = {}): Promise<OperatorConnection> {
  const infra = await provideInfrastructure(config, logger);
  const db = createDatabase({ url: infra.databaseUrl, poolSize: 4 });
  const redis = createRedisConnection(infra.redisUrl, 'producer');
  const producer = new Producer(redis, config.QUEUE_PREFIX);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await producer.close().catch(() => undefined);
    redis.disconnect();
    await db.destroy();
    await infra.stop();
  };
  try {
    await waitForRedis(redis, 5_000);
  } catch (error) {
    // `health` reports a Redis that is away rather than failing to start.
    if (!options.tolerateRedisDown) {
      await close();
      throw error;
    }
  }
  return { config, db, redis, producer, cache: new ReadThroughCache({ redis, prefix: config.QUEUE_PREFIX }), close };
}

/** Runs `work` on a connection and always closes it. */
export async function withSystem<T>(config: Config, logger: Logger, work: (conn: OperatorConnection) => Promise<T>): Promise<T> {
  const conn = await connectToSystem(config, logger);
  try {
    return await work(conn);
  } finally {
    await conn.close();
  }
}
