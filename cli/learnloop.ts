#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, type Config, parseConfig } from '../core/config/config-schema.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { RedisNotInstalledError } from '../app/local-redis.js';
import { provideInfrastructure } from '../app/infrastructure.js';
import { type SystemRoles, startSystem } from '../app/system.js';
import { developmentKeys } from '../app/development-keys.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { isQueueName, queueNames } from '../pipelines/registry.js';
import { bullBoardPath } from '../dashboard/routes/bull-board-routes.js';
import { backupCommand, restoreCommand } from './backup-commands.js';
import { isOperatorCommand, operatorUsage, runOperatorCli } from './commands/index.js';

const usage = `learnloop <command>

  start                    ingress, every worker and the schedulers in one process (npm start)
  ingress                  the HTTP ingress only
  worker [--queues a,b]    workers for the named queues (default: all) and the schedulers
  migrate                  bring the database schema to the newest migration and exit
  backup                   take a logical backup of every table into the backup store now and exit
  restore <backup> [opts]  restore a backup into the EMPTY database at DATABASE_URL, or replace rows
                           in place (--replace, --table T, --as-of T): learnloop restore --help

Runbook routines (against the running system's Redis and Postgres; --json for machine-readable output):
${operatorUsage}

Configuration comes from the environment; see README.md.`;

async function main(): Promise<number> {
  if (isOperatorCommand(process.argv.slice(2))) return runOperatorCli(process.argv.slice(2), process.env);
  // `restore` reads its own options (cli/backup-commands.ts).
  const ownOptions = process.argv[2] === 'restore';
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    args: process.argv.slice(2, ownOptions ? 3 : undefined),
    options: { queues: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(usage);
    return command ? 0 : 1;
  }

  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL, { role: command });

  switch (command) {
    case 'migrate':
      return migrate(config, logger);
    case 'backup':
      return backupCommand(config, logger);
    case 'restore':
      return restoreCommand(config, logger, process.argv.slice(3));
    case 'start':
      return run(config, logger, { ingress: true, workers: queueNames, schedulers: config.SCHEDULERS_ENABLED });
    case 'ingress':
      return run(config, logger, { ingress: true, workers: [], schedulers: false });
    case 'worker': {
      const requested = values.queues ? values.queues.split(',').map((q) => q.trim()).filter(Boolean) : queueNames;
      const unknown = requested.filter((q) => !isQueueName(q));
      if (unknown.length) {
        console.error(`unknown queue(s): ${unknown.join(', ')}. Known: ${queueNames.join(', ')}`);
        return 2;
      }
      return run(config, logger, { ingress: false, workers: requested.filter(isQueueName), schedulers: config.SCHEDULERS_ENABLED }, workerMetricsPort(config));
    }
    default:
      console.error(`unknown command: ${command}\n\n${usage}`);
      return 2;
  }
}

async function migrate(config: Config, logger: Logger): Promise<number> {
  const infra = await provideInfrastructure({ ...config, REDIS_URL: config.REDIS_URL ?? 'redis://unused' }, logger);
  const db = createDatabase({ url: infra.databaseUrl });
  try {
    const applied = await migrateToLatest(db);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'schema already up to date');
    return 0;
  } finally {
    await db.destroy();
    await infra.stop();
  }
}

/** Default metrics listener port of `learnloop worker` (the Prometheus node-exporter convention range). */
const defaultWorkerMetricsPort = 9464;

/** Workers have no ingress, so they serve /metrics themselves unless METRICS_PORT=off. */
function workerMetricsPort(config: Config): number | undefined {
  return config.METRICS_PORT === null ? undefined : (config.METRICS_PORT ?? defaultWorkerMetricsPort);
}

async function run(
  config: Config,
  logger: Logger,
  roles: SystemRoles,
  // `start` and `ingress` serve /metrics on the ingress; a listener of their own only if asked for.
  metricsPort: number | undefined = config.METRICS_PORT ?? undefined,
): Promise<number> {
  const infra = await provideInfrastructure(config, logger);
  let system;
  try {
    system = await startSystem({ config, redisUrl: infra.redisUrl, databaseUrl: infra.databaseUrl, roles, logger, metricsPort });
  } catch (error) {
    await infra.stop();
    throw error;
  }
  if (system.url) printWelcome(config, system.url);
  logger.info({ roles: { ...roles, workers: roles.workers.join(',') } }, 'learnloop is running');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // A second signal, or a shutdown that hangs, must still end the process.
      const force = setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        resolve(1);
      }, config.SHUTDOWN_TIMEOUT_MS + 10_000);
      force.unref();
      try {
        await system.close();
        await infra.stop();
        clearTimeout(force);
        logger.info('stopped cleanly');
        resolve(0);
      } catch (error) {
        logger.error({ err: error }, 'error during shutdown');
        resolve(1);
      }
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}

function printWelcome(config: Config, url: string): void {
  const key = config.API_KEYS ? undefined : developmentKeys(config)[0]!.key;
  const lines = [
    '',
    `  learnloop is up`,
    `  API          ${url}/api   (OpenAPI: ${url}/openapi.json)`,
    `  Bull Board   ${url}${bullBoardPath}   (user: anything, password: an operator key)`,
    `  Metrics      ${url}/metrics${config.METRICS_TOKEN ? '   (Bearer METRICS_TOKEN)' : ''}`,
    `  Health       ${url}/healthz   ${url}/readyz`,
    key
      ? `  API_KEYS is not set: a development operator key was generated (kept in ${config.DATA_DIR}/dev-api-key):\n      Authorization: Bearer ${key}`
      : `  Authenticate with a key from API_KEYS:  Authorization: Bearer <key>`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof RedisNotInstalledError) console.error(error.message);
    else console.error('learnloop failed to start:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
