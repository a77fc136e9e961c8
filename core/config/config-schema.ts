import { z } from 'zod';
import { type AlertRuleOverrides, alertRuleOverridesSchema, applyRuleOverrides } from '../alerts/alert-rule.js';
import { defaultAlertRules } from '../alerts/default-alert-rules.js';
import { clusterUrl, hashTagOf, isClusterUrl, parseClusterNodes, parseRedisTarget } from './redis-target.js';

/**
 * The one schema over the process environment. `parseConfig` is the only reader of environment
 * variables (the composition root hands it `process.env`); everything else receives a `Config`.
 * A bad value stops start-up with a message that names the variable (see `ConfigError`).
 */

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)), {
      message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

export const apiKeyScopes = ['producer', 'operator'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];
export interface ApiKey {
  scope: ApiKeyScope;
  key: string;
}

const apiKeys = z
  .string()
  .optional()
  .transform((raw, ctx): ApiKey[] | undefined => {
    if (raw === undefined || raw.trim() === '') return undefined;
    const keys: ApiKey[] = [];
    for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const sep = entry.indexOf(':');
      const scope = entry.slice(0, sep);
      const key = entry.slice(sep + 1);
      if (sep < 0 || !(apiKeyScopes as readonly string[]).includes(scope) || key.length < 16) {
        ctx.addIssue({
          code: 'custom',
          message: 'each entry must be scope:key with scope producer or operator and a key of at least 16 characters',
        });
        return z.NEVER;
      }
      keys.push({ scope: scope as ApiKeyScope, key });
    }
    return keys;
  });

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const cron = z.string().trim().regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron pattern with 5 or 6 fields');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  // redis+cluster://host:port,host:port (rediss+cluster:// for TLS) names a Redis Cluster.
  REDIS_URL: optionalUrl(['redis', 'rediss', 'redis+cluster', 'rediss+cluster']).superRefine((v, ctx) => {
    if (v === undefined || !isClusterUrl(v)) return;
    try {
      parseRedisTarget(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cluster URL ${(error as Error).message}` });
    }
  }),
  /** Seed nodes of a Redis Cluster, `host:port,host:port`; credentials and TLS come from REDIS_URL if set. */
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      try {
        return parseClusterNodes(raw);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `must be host:port,host:port,…: ${(error as Error).message}` });
        return z.NEVER;
      }
    }),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  HOST: z.string().default('0.0.0.0'),
  PORT: port.default(3000),
  API_KEYS: apiKeys,
  METRICS_TOKEN: z.string().min(8).optional(),
  // A small /metrics listener of its own, so a process without the ingress (`learnloop worker`) is
  // a scrape target too. Unset: on at 9464 for `worker`, off for `start`/`ingress` (the ingress
  // serves /metrics). `off` turns it off everywhere; 0 picks a free port.
  METRICS_PORT: z.union([z.literal('off').transform(() => null), port]).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('.data'),
  /** The directory backup store (BACKUP_STORE=directory): default DATA_DIR/backups. */
  BACKUP_DIR: z.string().optional(),
  /**
   * Where backups are kept: `directory` (BACKUP_DIR, one machine, or a directory every worker
   * mounts) or `postgres` (the database itself: every process reaches it; README, "Storage").
   */
  BACKUP_STORE: z.enum(['directory', 'postgres']).default('directory'),
  /** Backups older than this are pruned, except the newest verified one (30 days). */
  BACKUP_KEEP_DAYS: positiveInt.max(3650).default(30),
  /** Rows per retention DELETE statement: small batches keep row locks and WAL bursts short. */
  RETENTION_BATCH_SIZE: positiveInt.max(50_000).default(1_000),
  // Hash-tag the prefix (`{learnloop}`) when running on Redis Cluster so every key of a queue
  // lands in one slot.
  QUEUE_PREFIX: z.string().regex(/^[\w{}:.-]{1,64}$/, 'letters, digits, {}:._- only').default('learnloop'),
  CONCURRENCY_QUESTION_VALIDATION: positiveInt.optional(),
  CONCURRENCY_SESSION_GENERATION: positiveInt.default(8),
  // A results job mostly waits for its batch (workers/processors/feedback-loop/feedback-batcher.ts),
  // so concurrency is how many sessions one worker gathers into a batch: at 8 the bench's batches held
  // ~4 sessions (7.0 ms CPU a session), at 32 ~9 (4.2–5.2 ms; bench/README.md). Re-plans run alone,
  // one transaction each, and wait for a pool connection when more than PG_POOL_SIZE run at once.
  CONCURRENCY_FEEDBACK_LOOP: positiveInt.default(32),
  // High on purpose: a `record` job only waits for its trace's batch to commit, so concurrency is
  // how many jobs' traces one worker gathers into a batch (workers/processors/decision-insights).
  // 64 measured as fast as 200 for multi-trace jobs at a quarter of the latency and memory (bench/insights.ts).
  CONCURRENCY_DECISION_INSIGHTS: positiveInt.default(64),
  INSIGHT_BATCH_MAX_ROWS: positiveInt.max(5_000).default(1_000),
  INSIGHT_BATCH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(1_000).default(5),
  CONCURRENCY_RETENTION_CLEANUP: positiveInt.default(1),
  CONCURRENCY_BACKUPS: positiveInt.default(1),
  CONCURRENCY_MONITORING: positiveInt.default(1),
  BLOOM_THREADS: positiveInt.optional(),
  // Workers' share of a shutdown; the rest (pool, server, Redis, database) has 2.5 s of its own, so
  // SIGTERM ends within 10 s whatever is running.
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(6_000),
  SPACED_REPETITION: z.enum(['sm2', 'fsrs']).default('fsrs'),
  PG_POOL_SIZE: positiveInt.default(10),
  CORS_ORIGINS: z.string().optional(),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  /** Requests per minute per client IP without a valid key (wrong keys, scrapes, Bull Board's login). */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: positiveInt.default(300),
  /**
   * Express `trust proxy`: unset trusts no proxy (req.ip is the socket's address). Set it to what
   * sits in front (`loopback`, a CIDR list, a hop count) only when a proxy really does.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((raw): string | number | boolean | undefined => {
      const value = raw?.trim();
      if (value === undefined || value === '' || value === 'false') return undefined;
      if (value === 'true') return true;
      return /^\d+$/.test(value) ? Number(value) : value;
    }),
  /** Node's limits on receiving a request: headers, and the whole request (body included). */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
  ALERT_WEBHOOK_URL: optionalUrl(['http', 'https']),
  SCHEDULER_TZ: z.string().default('UTC'),
  CRON_RETENTION_SWEEP: cron.default('15 2 * * *'),
  CRON_ANALYTICS_ROLLUP: cron.default('30 0 * * *'),
  CRON_BACKUP: cron.default('0 3 * * *'),
  CRON_BACKUP_VERIFY: cron.default('30 3 * * *'),
  CRON_BACKUP_PRUNE: cron.default('0 4 * * *'),
  /** Level → difficulty recalibration (feedback-loop/recalibrate); hourly so new banks calibrate within a day. */
  CRON_RECALIBRATION: cron.default('17 * * * *'),
  ALERT_EVALUATION_INTERVAL_MS: positiveInt.default(15_000),
  // The version of the schedules above (CRON_*, SCHEDULER_TZ, ALERT_EVALUATION_INTERVAL_MS). Every
  // process must run with the same; to change the schedules, change them AND raise this. A process
  // whose schedules differ from the stored ones at an equal or lower version warns and keeps them.
  SCHEDULES_VERSION: positiveInt.default(1),
  // JSON object by rule id, e.g. {"queue-depth-high":{"threshold":1000,"duration":300}} (core/alerts).
  ALERT_RULE_OVERRIDES: z
    .string()
    .optional()
    .transform((raw, ctx): AlertRuleOverrides => {
      if (raw === undefined || raw.trim() === '') return {};
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object keyed by alert rule id' });
        return z.NEVER;
      }
      const parsed = alertRuleOverridesSchema.safeParse(json);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        return z.NEVER;
      }
      try {
        applyRuleOverrides(defaultAlertRules, parsed.data);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
      return parsed.data;
    }),
  SCHEDULERS_ENABLED: boolish.default(true),
  // Stalled-job detection: a dead worker's jobs go back to the queue once its lock (renewed every
  // lockDuration/2 while alive) lapses, found by a check every stalledInterval. Lower values
  // recover faster after a crash but risk stalling a job whose event loop is blocked that long.
  WORKER_LOCK_DURATION_MS: positiveInt.min(1_000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: positiveInt.min(500).default(15_000),
})
  // One Redis target for everyone: REDIS_CLUSTER_NODES becomes the equivalent redis+cluster:// URL.
  .transform(({ REDIS_CLUSTER_NODES, ...config }) =>
    REDIS_CLUSTER_NODES ? { ...config, REDIS_URL: clusterUrl(REDIS_CLUSTER_NODES, config.REDIS_URL) } : config,
  )
  .superRefine((config, ctx) => {
    if (config.REDIS_URL && isClusterUrl(config.REDIS_URL) && hashTagOf(config.QUEUE_PREFIX) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUEUE_PREFIX'],
        message: `must contain a hash tag such as {learnloop} on Redis Cluster (every key must hash to one slot); got "${config.QUEUE_PREFIX}"`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment-like record; throws `ConfigError` naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
  );
}
