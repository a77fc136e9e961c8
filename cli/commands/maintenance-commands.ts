import type { DailyRollup } from '../../core/contracts/maintenance-contracts.js';
import { type OperatorCommandInput, percent, printRecord } from './command-io.js';
import { withSystem } from './operator-connection.js';
import { runProcessorNow } from './run-processor-now.js';

/** `learnloop sweep`: the retention sweep, now (what CRON_RETENTION_SWEEP runs). */
export async function sweepCommand({ config, logger, io }: OperatorCommandInput): Promise<number> {
  const result = await withSystem(config, logger, (conn) => runProcessorNow(conn, logger, 'retention-cleanup', 'sweep', {}));
  printRecord(io, true, result, () => []);
  return 0;
}

/** `learnloop rollup [--date D]`: the analytics roll-up of day D (default: yesterday, as the scheduler does), now. */
export async function rollupCommand({ config, logger, options, io }: OperatorCommandInput): Promise<number> {
  const result = await withSystem(config, logger, (conn) => runProcessorNow(conn, logger, 'retention-cleanup', 'rollup', options.date ? { day: options.date } : {}));
  printRecord(io, true, result, () => []);
  return 0;
}

/** `learnloop prune`: deletes backups older than BACKUP_KEEP_DAYS now, never the newest verified one. */
export async function pruneCommand({ config, logger, io }: OperatorCommandInput): Promise<number> {
  const result = await withSystem(config, logger, (conn) => runProcessorNow(conn, logger, 'backups', 'prune', {}));
  printRecord(io, true, result, () => []);
  return 0;
}

/**
 * `learnloop report daily [--date D]`: rolls day D up now (default: today so far, UTC) — the same
 * idempotent upsert the 00:30 job makes, so running it again, or the job running later, just
 * refreshes the row — and prints it.
 */
export async function dailyReportCommand({ config, logger, options, io }: OperatorCommandInput): Promise<number> {
  const day = options.date ?? new Date().toISOString().slice(0, 10);
  const row = (await withSystem(config, logger, (conn) => runProcessorNow(conn, logger, 'retention-cleanup', 'rollup', { day }))) as DailyRollup;
  printRecord(io, options.json, row, () => [
    `daily report ${row.day} (UTC)${day === new Date().toISOString().slice(0, 10) ? ' — so far today' : ''}`,
    `  active learners     ${row.activeLearners}`,
    `  sessions            ${row.sessions} generated, ${row.completedSessions} completed (${percent(row.completionRate)})`,
    `  mean accuracy       ${percent(row.meanAccuracy)}`,
    `  flow-state rate     ${percent(row.flowRate)}`,
    `  validations         ${Object.entries(row.validationsByLevel).map(([level, n]) => `${level} ${n}`).join(', ') || 'none'}`,
  ]);
  return 0;
}
