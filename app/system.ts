import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Config } from '../core/config/config-schema.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createIngress } from '../dashboard/create-ingress.js';
import { JobWaiter } from '../dashboard/job-waiter.js';
import { KeyRing } from '../dashboard/middleware/api-key-auth.js';
import { setQueueDepthSource } from '../observability/job-metrics.js';
import type { Logger } from '../observability/logger.js';
import { Producer } from '../pipelines/producer.js';
import { createRedisConnection, waitForRedis } from '../pipelines/redis-connection.js';
import type { QueueName } from '../pipelines/registry.js';
import { registerSchedulers } from '../pipelines/schedulers.js';
import { BloomPool } from '../workers/bloom/bloom-pool.js';
import { processors } from '../workers/processors/index.js';
import type { WorkerServices } from '../workers/runtime/processor.js';
import { type WorkerGroup, startWorkers } from '../workers/runtime/run-workers.js';
import { developmentKeys } from './development-keys.js';

export interface SystemRoles {
  ingress: boolean;
  workers: readonly QueueName[];
  schedulers: boolean;
}

export interface SystemOptions {
  config: Config;
  redisUrl: string;
  databaseUrl: string;
  roles: SystemRoles;
  logger: Logger;
  now?: () => Date;
}

export interface System {
  /** The ingress base URL, when this process runs one. */
  url?: string;
  services: WorkerServices;
  workers?: WorkerGroup;
  /** Ordered shutdown; safe to call twice. */
  close(): Promise<void>;
}

/** Concurrency per queue: configured, or for validation twice the Bloom threads so none idles. */
export function concurrencyFor(config: Config, bloomThreads: number) {
  return (queue: QueueName): number =>
    ({
      'question-validation': config.CONCURRENCY_QUESTION_VALIDATION ?? bloomThreads * 2,
      'session-generation': config.CONCURRENCY_SESSION_GENERATION,
      'feedback-loop': config.CONCURRENCY_FEEDBACK_LOOP,
      'decision-insights': config.CONCURRENCY_DECISION_INSIGHTS,
      'retention-cleanup': config.CONCURRENCY_RETENTION_CLEANUP,
      backups: config.CONCURRENCY_BACKUPS,
      monitoring: config.CONCURRENCY_MONITORING,
    })[queue];
}

/**
 * The composition root: builds every long-lived object once, starts the roles asked for, and
 * returns the one ordered shutdown. `npm start`, the role commands and the tests all come here.
 */
export async function startSystem(options: SystemOptions): Promise<System> {
  const { config, logger, roles } = options;
  const now = options.now ?? (() => new Date());

  const db = createDatabase({ url: options.databaseUrl, poolSize: config.PG_POOL_SIZE });
  await migrateToLatest(db);

  const producerConnection = createRedisConnection(options.redisUrl, 'producer');
  const workerConnection = createRedisConnection(options.redisUrl, 'worker');
  await Promise.all([waitForRedis(producerConnection), waitForRedis(workerConnection)]);
  const producer = new Producer(producerConnection, config.QUEUE_PREFIX);

  const bloomThreads = config.BLOOM_THREADS ?? availableParallelism();
  let bloom: BloomPool | undefined;
  const services: WorkerServices = {
    config,
    db,
    producer,
    redis: workerConnection,
    // Threads are started only by a process that scores questions.
    get bloom() {
      bloom ??= new BloomPool({ threads: bloomThreads });
      return bloom;
    },
    now,
  };

  const workers =
    roles.workers.length > 0
      ? startWorkers({
          queues: roles.workers,
          processors,
          connection: workerConnection,
          prefix: config.QUEUE_PREFIX,
          concurrency: concurrencyFor(config, bloomThreads),
          services,
          logger,
        })
      : undefined;
  if (roles.workers.includes('question-validation')) void services.bloom;

  if (roles.schedulers) {
    const ids = await registerSchedulers(producer, config);
    logger.info({ schedulers: ids }, 'job schedulers registered');
  }

  let server: Server | undefined;
  let waiter: JobWaiter | undefined;
  let shuttingDown = false;
  let url: string | undefined;
  if (roles.ingress) {
    waiter = new JobWaiter(workerConnection, config.QUEUE_PREFIX, (q) => producer.queue(q));
    const app = createIngress({
      config,
      db,
      producer,
      redis: producerConnection,
      waiter,
      keys: new KeyRing(config.API_KEYS ?? developmentKeys(config)),
      logger,
      isShuttingDown: () => shuttingDown,
      now,
    });
    setQueueDepthSource(async () =>
      Promise.all(producer.allQueues().map(async (q) => ({ queue: q.name, counts: await q.getJobCounts() }))),
    );
    server = createServer(app);
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.PORT, config.HOST, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      // 1. stop intake: no new HTTP connections, idle keep-alive sockets closed.
      const serverClosed = server
        ? new Promise<void>((resolve) => server!.close(() => resolve()))
        : Promise.resolve();
      server?.closeIdleConnections();
      // 2. workers finish their active jobs (bounded by the timeout), then 3. the thread pool.
      await workers?.close(config.SHUTDOWN_TIMEOUT_MS);
      await bloom?.close();
      server?.closeAllConnections();
      await serverClosed;
      setQueueDepthSource(undefined);
      // 4. queues and Redis, 5. the database.
      await waiter?.close();
      await producer.close();
      await Promise.allSettled([producerConnection.quit(), workerConnection.quit()]);
      await db.destroy();
    })();
    return closing;
  };

  return { url, services, workers, close };
}
