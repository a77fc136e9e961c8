import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections by role. The two roles want opposite things from a disconnected Redis:
 * - `worker`: wait and retry forever (BullMQ's blocking commands need maxRetriesPerRequest null),
 *   so workers resume on their own when Redis returns;
 * - `producer`: fail at once (no offline queue), so the ingress answers 503 instead of hanging
 *   on a request while Redis is away.
 */
export type RedisRole = 'worker' | 'producer';

/** Redis did not answer in time: callers at the edge turn this into a 503 (never a hang). */
export class QueueUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUnavailableError';
  }
}

export function createRedisConnection(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const redis = new Redis(url, {
    ...options,
    // Reconnect quickly at first, then every 2 s at most: a restarted Redis is picked up fast.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    lazyConnect: false,
    ...extra,
  });
  // ioredis re-emits connection errors; without a listener they become unhandled 'error' events.
  redis.on('error', () => {});
  return redis;
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
