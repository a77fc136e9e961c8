import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import type { Config } from '../../core/config/config-schema.js';
import { maintenanceDirs } from '../../core/retention/maintenance-dirs.js';
import { redactSecrets } from '../../observability/logger.js';
import { type OperatorCommandInput, printRecord } from './command-io.js';

/** The nearest existing directory at or above `path` is writable (the directory itself may not exist yet). */
function writableFrom(path: string): string | undefined {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch {
    return `${path}: ${dir} is not writable`;
  }
}

/** What the schema cannot see: cron patterns and time zone that BullMQ would refuse, unwritable directories. */
export function deeperConfigProblems(config: Config): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.SCHEDULER_TZ });
  } catch {
    errors.push(`SCHEDULER_TZ: unknown time zone ${config.SCHEDULER_TZ}`);
  }
  for (const name of ['CRON_RETENTION_SWEEP', 'CRON_ANALYTICS_ROLLUP', 'CRON_BACKUP', 'CRON_BACKUP_VERIFY', 'CRON_BACKUP_PRUNE'] as const) {
    try {
      CronExpressionParser.parse(config[name], { tz: config.SCHEDULER_TZ });
    } catch (error) {
      errors.push(`${name}: ${(error as Error).message}`);
    }
  }
  const dirs = maintenanceDirs(config);
  const paths = [config.DATA_DIR, ...(config.BACKUP_STORE === 'directory' ? [dirs.backups] : [])];
  for (const problem of paths.map(writableFrom)) if (problem) errors.push(problem);
  if (!config.API_KEYS) warnings.push('API_KEYS is not set: a development operator key will be generated (not for production)');
  if (!config.ALERT_WEBHOOK_URL) warnings.push('ALERT_WEBHOOK_URL is not set: alerts are recorded but nobody is notified');
  if (!config.METRICS_TOKEN) warnings.push('METRICS_TOKEN is not set: /metrics answers anyone who can reach it');
  return { errors, warnings };
}

/**
 * `learnloop config validate`: the environment through the same zod schema start-up uses (a bad
 * value never gets this far: the command prints it and exits 1), then the checks the schema cannot
 * make. Prints the effective configuration with secrets blanked. Exit 0 valid, 1 invalid.
 */
export async function configValidateCommand({ config, options, io }: OperatorCommandInput): Promise<number> {
  const { errors, warnings } = deeperConfigProblems(config);
  const report = { valid: errors.length === 0, errors, warnings, effective: redactSecrets(config) };
  printRecord(io, options.json, report, () => [
    errors.length === 0 ? 'configuration is valid' : 'configuration is INVALID',
    ...errors.map((e) => `  error:   ${e}`),
    ...warnings.map((w) => `  warning: ${w}`),
    '',
    'effective configuration (secrets blanked):',
    ...Object.entries(report.effective)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `  ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`),
  ]);
  return errors.length === 0 ? 0 : 1;
}
