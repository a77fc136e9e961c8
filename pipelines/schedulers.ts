import { createHash } from 'node:crypto';
import type { Config } from '../core/config/config-schema.js';
import type { Producer } from './producer.js';
import type { JobName, QueueName } from './registry.js';
import { isQueueName, jobDefinition } from './registry.js';

export interface ScheduleEntry {
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

/** A fingerprint of a schedule set: the same entries in any order give the same hash. */
export function scheduleHash(entries: readonly ScheduleEntry[]): string {
  const canonical = [...entries]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((e) => ({ id: e.id, queue: e.queue, job: e.job, repeat: 'every' in e.repeat ? { every: e.repeat.every } : { pattern: e.repeat.pattern, tz: e.repeat.tz } }));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}

/** The set stored by the process that last set the schedules (db/queries/job-schedules.ts). */
interface StoredSet {
  version: number;
  hash: string;
  entries: unknown[];
}

export type ScheduleDecision<S extends StoredSet> =
  /** Ours are the schedules: register them, and store them when `store`. */
  | { kind: 'ours'; entries: ScheduleEntry[]; store: boolean }
  /** Another process set different schedules at an equal or higher version: keep (and register) those. */
  | { kind: 'stored'; entries: ScheduleEntry[]; stored: S };

/**
 * Schedules as data. Every process carries the schedules of its configuration and their
 * SCHEDULES_VERSION; the stored set wins unless this process's version is higher. Equal schedules
 * are simply registered again (repairing Redis after a flush); a different set at an equal or
 * lower version is a stale or misconfigured process: it must not overwrite what is stored.
 */
export function decideSchedules<S extends StoredSet>(intended: { version: number; entries: ScheduleEntry[] }, stored: S | undefined): ScheduleDecision<S> {
  if (!stored) return { kind: 'ours', entries: intended.entries, store: true };
  if (scheduleHash(intended.entries) === stored.hash) return { kind: 'ours', entries: intended.entries, store: intended.version > stored.version };
  if (intended.version > stored.version) return { kind: 'ours', entries: intended.entries, store: true };
  return { kind: 'stored', entries: storedEntries(stored.entries), stored };
}

/** Stored entries back into schedule entries, refusing any that name no job this build knows. */
function storedEntries(raw: unknown[]): ScheduleEntry[] {
  return raw.map((value) => {
    const e = value as ScheduleEntry;
    if (typeof e?.id !== 'string' || !isQueueName(e.queue)) throw new Error(`stored job schedule ${JSON.stringify(value)} names no known queue`);
    jobDefinition(e.queue, e.job);
    return e;
  });
}

/**
 * Registers the schedulers with BullMQ's upsertJobScheduler: idempotent, so every process may call
 * it at every start and each scheduler still exists exactly once (its id is the key), and a changed
 * cron replaces the old one. One scheduler makes one job per interval however many workers run.
 */
export async function registerSchedulers(producer: Producer, entries: readonly ScheduleEntry[]): Promise<string[]> {
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
