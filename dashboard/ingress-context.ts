import type { RedisClient } from '../pipelines/redis-connection.js';
import type { Config } from '../core/config/config-schema.js';
import type { ReadThroughCache } from '../db/cache/read-through-cache.js';
import type { Db } from '../db/database.js';
import type { ClusterRequestStats } from '../observability/cluster-request-stats.js';
import type { Logger } from '../observability/logger.js';
import type { Producer } from '../pipelines/producer.js';
import type { JobWaiter } from './job-waiter.js';
import type { KeyRing } from './middleware/api-key-auth.js';

/** What route modules get: built once by createIngress, shared by every request. */
export interface IngressContext {
  config: Config;
  db: Db;
  producer: Producer;
  /** General-purpose client (caches, rate limits); fails fast when Redis is down. */
  redis: RedisClient;
  waiter: JobWaiter;
  keys: KeyRing;
  logger: Logger;
  /** True once shutdown has begun: /readyz answers 503 so load balancers drain this instance. */
  isShuttingDown: () => boolean;
  now: () => Date;
  /** The read-through cache (questions, profiles, sessions), shared with this process's workers. */
  cache: ReadThroughCache;
  /** Cluster-wide request and cache-lookup counts for the alert rules; createIngress makes one when absent. */
  requestStats?: ClusterRequestStats;
}
