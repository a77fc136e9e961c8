import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type System, type SystemRoles, startSystem } from '../../app/system.js';
import { type Config, parseConfig } from '../../core/config/config-schema.js';
import { poolOf } from '../../db/database.js';
import { type Logger, createLogger } from '../../observability/logger.js';
import { queueNames } from '../../pipelines/registry.js';

export const producerKey = 'producer-key-for-tests-000001';
export const operatorKey = 'operator-key-for-tests-000001';

/**
 * A queue prefix of the test's own: `t-<label>-<random>`, hash-tagged (`{…}`) when the run is on
 * a Redis Cluster so that all of the test's keys land in one slot, as QUEUE_PREFIX must there.
 */
export function testQueuePrefix(label: string): string {
  const prefix = `t-${label.replace(/\W/g, '-').slice(0, 20)}-${randomUUID().slice(0, 8)}`;
  return inject('redisCluster') ? `{${prefix}}` : prefix;
}

/** A fresh database on the shared test server; its URL. */
export async function createTestDatabase(label: string): Promise<string> {
  const base = inject('postgresBaseUrl');
  const name = `t_${label.replace(/\W/g, '_').slice(0, 30)}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: `${base}postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return `${base}${name}`;
}

export interface TestSystem extends System {
  url: string;
  config: Config;
  databaseUrl: string;
  redisUrl: string;
  /** fetch against the ingress with a key (default: producer). */
  request(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  /** Raw SQL against the system's database, for assertions on what was stored. */
  query<T = any>(text: string, params?: unknown[]): Promise<T[]>;
  /** Polls a job's statusUrl (GET /api/jobs/…) until it is completed or failed; the status body. */
  /** Fails at once on a 4xx (a refused read never turns into a completed job). */
  jobStatus(statusUrl: string, timeoutMs?: number, key?: string): Promise<any>;
}

/**
 * The real system — ingress, workers, Postgres, Redis — for one test file, on its own database and
 * queue prefix. Tests talk to it over HTTP exactly as upstream services do.
 */
export async function startTestSystem(
  label: string,
  options: {
    roles?: Partial<SystemRoles>;
    env?: Record<string, string>;
    now?: () => Date;
    /** A logger of the test's own (to read what is logged); default: LOG_LEVEL, silent. */
    logger?: Logger;
    /** Start the process's own metrics listener on this port (0: a free one). */
    metricsPort?: number;
    /** A Redis of the test's own (one it may FLUSHALL); default: the run's shared one. */
    redisUrl?: string;
    /** An existing database (a restart of the same deployment); default: a fresh one. */
    databaseUrl?: string;
  } = {},
): Promise<TestSystem> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase(label));
  const config = parseConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: testQueuePrefix(label),
    API_KEYS: `producer:${producerKey},operator:${operatorKey}`,
    BLOOM_THREADS: '2',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // Tests poll and loop far beyond a client's budget; the rate-limit test sets its own.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000',
    ...options.env,
  });
  // The run's Redis, unless the test names its own (`redisUrl`, or REDIS_URL / REDIS_CLUSTER_NODES in `env`).
  const redisUrl = options.redisUrl ?? config.REDIS_URL ?? inject('redisUrl');
  const roles: SystemRoles = { ingress: true, workers: queueNames, schedulers: false, ...options.roles };
  const system = await startSystem({
    config,
    redisUrl,
    databaseUrl,
    roles,
    logger: options.logger ?? createLogger(config.LOG_LEVEL),
    now: options.now,
    metricsPort: options.metricsPort,
  });
  const url = system.url!;
  const testSystem: TestSystem = {
    ...system,
    url,
    config,
    databaseUrl,
    redisUrl,
    request(path, init = {}) {
      const { key = producerKey, json, headers, ...rest } = init;
      const h = new Headers(headers);
      if (key) h.set('authorization', `Bearer ${key}`);
      if (json !== undefined) h.set('content-type', 'application/json');
      return fetch(`${url}${path}`, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
    async query(text, params = []) {
      return (await poolOf(system.services.db).query(text, params)).rows;
    },
    async jobStatus(statusUrl, timeoutMs = 60_000, key = producerKey) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await testSystem.request(statusUrl, { key });
        if (res.status >= 400 && res.status < 500) throw new Error(`job ${statusUrl}: ${res.status} ${await res.text()}`);
        const status = (await res.json()) as { state?: string };
        if (status.state === 'completed' || status.state === 'failed') return status;
        if (Date.now() > deadline) throw new Error(`job ${statusUrl} did not finish in ${timeoutMs} ms (state ${status.state})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  return testSystem;
}
