import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Config } from '../core/config/config-schema.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { type Ingress, createIngress } from '../dashboard/create-ingress.js';
import { answerClientErrors } from '../dashboard/client-errors.js';
import { JobWaiter } from '../dashboard/job-waiter.js';
import { KeyRing } from '../dashboard/middleware/api-key-auth.js';
import { lastVerifiedBackupOrInstallAt } from '../db/queries/backup-freshness.js';
import { seedAlertRules } from '../db/queries/alert-rules.js';
import { ReadThroughCache } from '../db/cache/read-through-cache.js';
import { ClusterRequestStats } from '../observability/cluster-request-stats.js';
import { defaultAlertRules } from '../core/alerts/default-alert-rules.js';
import { setClusterStateSource } from '../observability/cluster-metrics.js';
import { setQueueDepthSource } from '../observability/job-metrics.js';
import { type MetricsServer, startMetricsServer } from '../observability/metrics-server.js';
import type { Logger } from '../observability/logger.js';
import { Producer } from '../pipelines/producer.js';
import { assertRedisTopology, createRedisConnection, waitForRedis } from '../pipelines/redis-connection.js';
import { readQueueStatus } from '../pipelines/queue-status.js';
import type { QueueName } from '../pipelines/registry.js';
import { BloomPool } from '../workers/bloom/bloom-pool.js';
import { processors } from '../workers/processors/index.js';
import type { WorkerServices } from '../workers/runtime/processor.js';
import { type WorkerGroup, startWorkers } from '../workers/runtime/run-workers.js';
import { developmentKeys } from './development-keys.js';
import { applySchedules } from './schedules.js';

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
  /**
   * Serve /metrics on a listener of its own at this port (0: any free port), so a process without
   * the ingress is a scrape target too. The CLI sets it from METRICS_PORT and the role.
   */
  metricsPort?: number;
}

export interface System {
  /** The ingress base URL, when this process runs one. */
  url?: string;
  /** The metrics listener's base URL, when this process runs one. */
  metricsUrl?: string;
  services: WorkerServices;
  workers?: WorkerGroup;
  /** Ordered shutdown; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Concurrency per queue: configured, or for validation 32 jobs per Bloom thread: `validate` jobs
 * share batches (validation-batcher.ts), so jobs in flight become batch size, not CPU contention.
 * The batcher runs two flushes per thread, so a batch holds at most the jobs in flight divided by
 * twice the threads, fewer while some are in BullMQ's finish-and-fetch round trip: ~8 at 16 per
 * thread, ~14 at 32, ~25 at 64 (bench). A batch costs ~4 Postgres statements, a cache pipeline, a
 * thread hop and a `record-batch` job whatever its size: CPU per job 2.3–2.4 ms at 16, 1.9–2.0 at
 * 32, no less at 64 — where so many jobs wait in the process that the latency target at half
 * saturation broke (bench/README.md, "Where a job's time goes").
 */
export function concurrencyFor(config: Config, bloomThreads: number) {
  return (queue: QueueName): number =>
    ({
      'question-validation': config.CONCURRENCY_QUESTION_VALIDATION ?? bloomThreads * 32,
      'session-generation': config.CONCURRENCY_SESSION_GENERATION,
      'feedback-loop': config.CONCURRENCY_FEEDBACK_LOOP,
      'decision-insights': config.CONCURRENCY_DECISION_INSIGHTS,
      'retention-cleanup': config.CONCURRENCY_RETENTION_CLEANUP,
      backups: config.CONCURRENCY_BACKUPS,
      monitoring: config.CONCURRENCY_MONITORING,
    })[queue];
}

/** What the shutdown steps after the workers may take together (see close()). */
const shutdownTailMs = 2_500;

/** Runs one shutdown step until it ends or the shared deadline passes; true if it ended in time. */
async function boundedStep(name: string, work: () => Promise<unknown> | undefined, deadline: number, logger: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(100, deadline - Date.now()));
  });
  try {
    const ended = await Promise.race([Promise.resolve(work()).then(() => true, () => true), late]);
    if (!ended) logger.warn({ step: name }, 'shutdown step did not finish in time; going on without it');
    return ended;
  } finally {
    clearTimeout(timer);
  }
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
  // The built-in alert rules that are not stored yet (never one an operator edited or deleted).
  await seedAlertRules(db, defaultAlertRules);

  const producerConnection = createRedisConnection(options.redisUrl, 'producer');
  const workerConnection = createRedisConnection(options.redisUrl, 'worker');
  try {
    await Promise.all([waitForRedis(producerConnection), waitForRedis(workerConnection)]);
    // Refuses a single-node URL on a cluster node and an untagged prefix on a cluster, before
    // anything is written (the config schema already refuses the latter for a cluster URL).
    await assertRedisTopology(producerConnection, config.QUEUE_PREFIX);
  } catch (error) {
    producerConnection.disconnect();
    workerConnection.disconnect();
    await db.destroy();
    throw error;
  }
  const producer = new Producer(producerConnection, config.QUEUE_PREFIX);
  const requestStats = new ClusterRequestStats(producerConnection, config.QUEUE_PREFIX);
  const cache = new ReadThroughCache({
    redis: producerConnection,
    prefix: config.QUEUE_PREFIX,
    onLookup: (family, hit) => requestStats.cacheLookup(family, hit),
  });
  // Its own connection: a subscribed connection can do nothing else. 'worker' role: it reconnects.
  await cache.listen(createRedisConnection(options.redisUrl, 'worker'));

  const bloomThreads = config.BLOOM_THREADS ?? availableParallelism();
  let bloom: BloomPool | undefined;
  const services: WorkerServices = {
    config,
    db,
    producer,
    redis: workerConnection,
    cache,
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
          lockDurationMs: config.WORKER_LOCK_DURATION_MS,
          stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
        })
      : undefined;
  if (roles.workers.includes('question-validation')) void services.bloom;

  if (roles.schedulers) {
    const ids = await applySchedules(db, producer, config, logger);
    logger.info({ schedulers: ids }, 'job schedulers registered');
  }

  let server: Server | undefined;
  let waiter: JobWaiter | undefined;
  let ingress: Ingress | undefined;
  let shuttingDown = false;
  let url: string | undefined;
  if (roles.ingress) {
    waiter = new JobWaiter(workerConnection, config.QUEUE_PREFIX, (q) => producer.queue(q));
    ingress = createIngress({
      config,
      db,
      producer,
      redis: producerConnection,
      waiter,
      keys: new KeyRing(config.API_KEYS ?? developmentKeys(config)),
      logger,
      isShuttingDown: () => shuttingDown,
      now,
      cache,
      requestStats,
    });
    setQueueDepthSource(async () =>
      Promise.all(producer.allQueues().map(async (q) => ({ queue: q.name, counts: await q.getJobCounts() }))),
    );
    setClusterStateSource({
      queueWorkers: async () => (await readQueueStatus(producer)).map(({ queue, workers }) => ({ queue, workers })),
      lastVerifiedBackup: () => lastVerifiedBackupOrInstallAt(db),
    });
    server = createServer(
      {
        // A slow or short body holds its socket this long at most (Node's default was 300 s), and
        // the timeouts are checked every second rather than every 30 s.
        headersTimeout: Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS),
        requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
        connectionsCheckingInterval: 1_000,
      },
      ingress.app,
    );
    server.keepAliveTimeout = 5_000;
    answerClientErrors(server);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.PORT, config.HOST, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  }

  let metricsServer: MetricsServer | undefined;
  if (options.metricsPort !== undefined) {
    try {
      metricsServer = await startMetricsServer({ host: config.HOST, port: options.metricsPort, token: config.METRICS_TOKEN });
      logger.info({ url: `${metricsServer.url}/metrics` }, 'metrics listener started');
    } catch (error) {
      // Two workers on one host both default to 9464: the second still works, it is just not
      // scraped until it gets a port of its own. Losing a scrape target must not stop the workers.
      logger.error(
        { port: options.metricsPort, err: { message: (error as Error).message } },
        'metrics listener could not start; set METRICS_PORT to a free port (0 picks one) or off',
      );
    }
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      // 1. stop intake: no new HTTP connections, idle keep-alive sockets closed, and requests
      // waiting on a job answered 202 now (their jobs are safe in Redis) rather than at the end.
      const serverClosed = server
        ? new Promise<void>((resolve) => server!.close(() => resolve()))
        : Promise.resolve();
      server?.closeIdleConnections();
      waiter?.release();
      // 2. workers finish their active jobs (bounded by the timeout), then 3. the thread pool.
      await workers?.close(config.SHUTDOWN_TIMEOUT_MS);
      // DANGEROUS SPOT: every step from here on is bounded by one shared budget. One of them hanging
      // (a Redis client stuck on a command, a pool waiting for a task) once held the process for
      // 18 s, until the CLI's last-resort timer exited 1. A late step is logged and skipped.
      const deadline = Date.now() + shutdownTailMs;
      const step = (name: string, work: () => Promise<unknown> | undefined) => boundedStep(name, work, deadline, logger);
      await step('thread pool', () => bloom?.close());
      server?.closeAllConnections();
      await step('http server', () => serverClosed);
      // Every request is answered now; the audit entries of the last ones may still be on their way.
      await step('audit entries', () => ingress?.auditWritten());
      await step('cache', () => Promise.allSettled([requestStats.close(), cache.close()]));
      setQueueDepthSource(undefined);
      setClusterStateSource(undefined);
      // Scrapes keep working while workers drain; the listener goes with the HTTP server.
      await step('metrics listener', () => metricsServer?.close());
      // 4. queues and Redis, 5. the database.
      await step('job events', () => waiter?.close());
      await step('queues', () => producer.close());
      const quit = await step('redis', () => Promise.allSettled([producerConnection.quit(), workerConnection.quit()]));
      if (!quit) for (const c of [producerConnection, workerConnection]) c.disconnect();
      await step('database', () => db.destroy());
    })();
    return closing;
  };

  return { url, metricsUrl: metricsServer?.url, services, workers, close };
}
