import type { Config } from '../core/config/config-schema.js';
import type { Producer } from './producer.js';
import type { JobName, QueueName } from './registry.js';
import { jobDefinition } from './registry.js';

interface ScheduleEntry {
  id: string;
  queue: QueueName;
  job: string;
  repeat: { pattern: string; tz: string } | { every: number };
}

/** Every job scheduler of the system, from configuration. The scheduler id is the stable key. */
export function schedules(config: Config): ScheduleEntry[] {
  const cron = (pattern: string) => ({ pattern, tz: config.SCHEDULER_TZ });
  return [
    { id: 'retention-sweep', queue: 'retention-cleanup', job: 'sweep', repeat: cron(config.CRON_RETENTION_SWEEP) },
    { id: 'analytics-rollup', queue: 'retention-cleanup', job: 'rollup', repeat: cron(config.CRON_ANALYTICS_ROLLUP) },
    { id: 'backup', queue: 'backups', job: 'backup', repeat: cron(config.CRON_BACKUP) },
    { id: 'backup-verify', queue: 'backups', job: 'verify', repeat: cron(config.CRON_BACKUP_VERIFY) },
    { id: 'difficulty-recalibration', queue: 'feedback-loop', job: 'recalibrate', repeat: cron(config.CRON_RECALIBRATION) },
    { id: 'backup-prune', queue: 'backups', job: 'prune', repeat: cron(config.CRON_BACKUP_PRUNE) },
    { id: 'alert-evaluation', queue: 'monitoring', job: 'evaluate-alerts', repeat: { every: config.ALERT_EVALUATION_INTERVAL_MS } },
  ];
}

/**
 * Registers the schedulers with BullMQ's upsertJobScheduler: idempotent, so every process may call
 * it at every start and each scheduler still exists exactly once (its id is the key), and a changed
 * cron replaces the old one. One scheduler makes one job per interval however many workers run.
 */
export async function registerSchedulers(producer: Producer, config: Config): Promise<string[]> {
  const entries = schedules(config);
  for (const entry of entries) {
    const def = jobDefinition(entry.queue, entry.job);
    await producer.queue(entry.queue).upsertJobScheduler(entry.id, entry.repeat, {
      name: entry.job as JobName<typeof entry.queue>,
      data: {},
      opts: def.options,
    });
  }
  return entries.map((e) => e.id);
}
